/**
 * ROTOR_EVENT_BUS: read from the function's environment only, checked as a
 * bus name, and the same variable renders the role's eventbridge:PutEvents
 * statement for that one bus: none set, no EventBridge right at all; `*`
 * or anything a RAM resource would read as a pattern, refused.
 */
import { describe, expect, it } from "vitest";
import { type RamPolicyDocument, renderRolePolicy } from "../../../src/cli/role-policy-template.ts";
import { ConfigError } from "../../../src/cloud-api/errors.ts";
import { eventBusFromEnv } from "../../../src/core/contract/event-bus.ts";

/** How a template names the variable (written apart, as it is not a template literal). */
const EVENT_BUS = "$" + "{ROTOR_EVENT_BUS}";

const TEMPLATE: RamPolicyDocument = {
  Version: "1",
  Statement: [
    { Effect: "Allow", Action: "kms:GetSecretValue", Resource: "acs:kms:*:*:secret/rotor/x/*" },
    {
      Effect: "Allow",
      Action: "eventbridge:PutEvents",
      Resource: `acs:eventbridge:*:*:eventbus/${EVENT_BUS}`,
    },
  ],
};

describe("the event bus a deployment publishes to", () => {
  it("is none when ROTOR_EVENT_BUS is unset or empty", () => {
    expect(eventBusFromEnv({})).toBeUndefined();
    expect(eventBusFromEnv({ ROTOR_EVENT_BUS: "" })).toBeUndefined();
  });

  it("is the bus named, the account's default bus included", () => {
    expect(eventBusFromEnv({ ROTOR_EVENT_BUS: "rotor-events" })).toBe("rotor-events");
    expect(eventBusFromEnv({ ROTOR_EVENT_BUS: "default" })).toBe("default");
  });

  it.each([
    ["a wildcard", "*"],
    ["a pattern inside a name", "rotor*"],
    ["a path", "rotor/../x"],
    ["a space", "rotor events"],
    ["a name too long", "a".repeat(128)],
  ])("refuses %s, naming the variable", (_what, value) => {
    expect(() => eventBusFromEnv({ ROTOR_EVENT_BUS: value })).toThrow(ConfigError);
    expect(() => eventBusFromEnv({ ROTOR_EVENT_BUS: value })).toThrow(/ROTOR_EVENT_BUS/);
  });
});

describe("the role's eventbridge:PutEvents statement", () => {
  it("names the configured bus and no other", () => {
    const rendered = renderRolePolicy(TEMPLATE, { ROTOR_EVENT_BUS: "rotor" });

    expect(rendered.Statement).toEqual([
      TEMPLATE.Statement[0],
      {
        Effect: "Allow",
        Action: "eventbridge:PutEvents",
        Resource: "acs:eventbridge:*:*:eventbus/rotor",
      },
    ]);
  });

  it("takes a bus name longer than an instance id", () => {
    const name = `rotor-${"e".repeat(100)}`;

    expect(renderRolePolicy(TEMPLATE, { ROTOR_EVENT_BUS: name }).Statement[1]?.Resource).toBe(
      `acs:eventbridge:*:*:eventbus/${name}`,
    );
  });

  it("is dropped when no bus is set: no EventBridge right at all", () => {
    expect(renderRolePolicy(TEMPLATE, {}).Statement).toEqual([TEMPLATE.Statement[0]]);
  });

  it("is refused, not widened, for `*`", () => {
    expect(() => renderRolePolicy(TEMPLATE, { ROTOR_EVENT_BUS: "*" })).toThrow(/ROTOR_EVENT_BUS/);
  });
});
