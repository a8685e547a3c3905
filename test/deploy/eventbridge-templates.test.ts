/**
 * templates/eventbridge/: the publishing policy is sufficient and minimal
 * (a function's role holding only it publishes to the bus `rotor` in the
 * local cloud, and is refused every other bus and every other
 * EventBridge action), and the rule example is what CreateRule takes: its
 * filter pattern matches a failed rotation and nothing else, every target
 * has the parameters its type needs, and each chat target's TEMPLATE
 * renders, for a failed rotation, the JSON body its robot expects.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBridgeClient } from "../../src/cloud-api/eventbridge-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { apiFailureOf } from "../support/api-failure.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { templateJson } from "./support/policy-proof.ts";

interface Param {
  ResourceKey: string;
  Form: string;
  Value?: string;
  Template?: string;
}
interface Rule {
  EventBusName: string;
  RuleName: string;
  Status: string;
  FilterPattern: string;
  EventTargets: {
    Id: string;
    Type: string;
    Endpoint: string;
    PushRetryStrategy: string;
    ParamList: Param[];
  }[];
}

/** A failed rotation as QueryEvent (and a rule's target) sees it. */
const FAILED = {
  id: "0b7c8a66-1f0e-4d5a-9a59-3c1f6f0b2a11",
  source: "rotor",
  type: "rotor.rotation.failed",
  specversion: "1.0",
  subject: "rotor/mysql/orders",
  time: "2024-06-01T08:00:00Z",
  datacontenttype: "application/json",
  data: {
    secretName: "rotor/mysql/orders",
    rotator: "mysql",
    step: "setSecret",
    errorType: "TargetRefused",
  },
  aliyuneventbusname: "rotor",
};
const MESSAGE =
  "Rotor: rotation of rotor/mysql/orders (mysql) failed in setSecret: TargetRefused. Event 0b7c8a66-1f0e-4d5a-9a59-3c1f6f0b2a11 at 2024-06-01T08:00:00Z.";

/**
 * EventBridge's pattern matching as far as the rule uses it: each field a
 * list of exact values or `prefix` / `suffix` objects, all fields must match.
 */
function matches(pattern: Record<string, unknown[]>, event: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([field, accepted]) =>
    accepted.some((condition) => {
      const value = event[field];
      if (typeof condition === "string") return value === condition;
      const { prefix, suffix } = condition as { prefix?: string; suffix?: string };
      if (typeof value !== "string") return false;
      return prefix !== undefined ? value.startsWith(prefix) : value.endsWith(suffix ?? "");
    }),
  );
}

/** A TEMPLATE transform: `$.a.b` paths in Value, `${name}` in Template. */
function render(param: Param, event: Record<string, unknown>): string {
  const names = JSON.parse(param.Value ?? "{}") as Record<string, string>;
  const found = Object.fromEntries(
    Object.entries(names).map(([name, path]) => {
      let value: unknown = event;
      for (const key of path.replace(/^\$\./, "").split(".")) {
        value = (value as Record<string, unknown> | undefined)?.[key];
      }
      return [name, String(value)];
    }),
  );
  return (param.Template ?? "").replace(/\$\{(\w+)\}/g, (_, name: string) => found[name] ?? "");
}

describe("templates/eventbridge/rule-rotation-failed.json", () => {
  let rule: Rule;
  beforeAll(async () => {
    rule = await templateJson<Rule>("eventbridge/rule-rotation-failed.json");
  });

  it("matches failed rotations from rotor, and not other outcomes or other sources", () => {
    const pattern = JSON.parse(rule.FilterPattern) as Record<string, unknown[]>;

    expect(rule).toMatchObject({ EventBusName: "rotor", Status: "ENABLE" });
    expect(matches(pattern, FAILED)).toBe(true);
    expect(matches(pattern, { ...FAILED, type: "rotor.rotation.succeeded" })).toBe(false);
    expect(matches(pattern, { ...FAILED, source: "someone-else" })).toBe(false);
  });

  it("gives every target what its type needs, at most five targets", () => {
    const needs: Record<string, string[]> = {
      "acs.dingtalk": ["URL", "SecretKey", "Body"],
      https: ["url", "Network", "Body"],
    };

    expect(rule.EventTargets.length).toBeLessThanOrEqual(5);
    expect(rule.EventTargets.map((target) => target.Id)).toEqual([
      "dingtalk",
      "lark",
      "slack",
      "webhook",
    ]);
    for (const target of rule.EventTargets) {
      const keys = target.ParamList.map((param) => param.ResourceKey);
      expect(keys).toEqual(expect.arrayContaining(needs[target.Type] ?? ["unknown type"]));
      expect(["BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY"]).toContain(target.PushRetryStrategy);
      for (const param of target.ParamList) {
        expect(["ORIGINAL", "CONSTANT", "JSONPATH", "TEMPLATE"]).toContain(param.Form);
      }
      const url = target.ParamList.find((param) => /^url$/i.test(param.ResourceKey))?.Value;
      expect(url).toBe(target.Endpoint);
    }
  });

  it("renders each chat robot's body as the JSON it expects, naming the secret, rotator, step, error and event", () => {
    const body = (id: string) => {
      const param = rule.EventTargets.find((target) => target.Id === id)?.ParamList.find(
        (each) => each.ResourceKey === "Body",
      );
      if (param === undefined) throw new Error(`target ${id} has no Body`);
      expect(param.Form).toBe("TEMPLATE");
      return JSON.parse(render(param, FAILED)) as unknown;
    };

    expect(body("dingtalk")).toEqual({ msgtype: "text", text: { content: MESSAGE } });
    expect(body("lark")).toEqual({ msg_type: "text", content: { text: MESSAGE } });
    expect(body("slack")).toEqual({ text: MESSAGE });
    const webhook = rule.EventTargets.find((target) => target.Id === "webhook");
    expect(webhook?.ParamList.find((param) => param.ResourceKey === "Body")?.Form).toBe("ORIGINAL");
  });
});

describe("templates/eventbridge/publish-policy.json", () => {
  let cloud: TestCloud;
  let publisher: EventBridgeClient;
  let root: EventBridgeClient;

  beforeAll(async () => {
    cloud = await startTestCloud({ inMemory: true });
    root = new EventBridgeClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    await root.createEventBus({ busName: "rotor" });
    await root.createEventBus({ busName: "elsewhere" });
    const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const roleName = "rotor-publisher";
    await ram.createRole({
      roleName,
      assumeRolePolicyDocument: JSON.stringify(await templateJson("trust-policy.json")),
    });
    await ram.createPolicy({
      policyName: "rotor-publish-events",
      policyDocument: JSON.stringify(await templateJson("eventbridge/publish-policy.json")),
    });
    await ram.attachPolicyToRole({ policyName: "rotor-publish-events", roleName });
    const session = await cloud.assumeRoleForService({ roleName });
    publisher = new EventBridgeClient({
      endpoint: cloud.endpoint,
      credentials: session,
      retry: { attempts: 1 },
    });
  });
  afterAll(() => cloud.close());

  const anEvent = () => ({ id: randomUUID(), source: "rotor", type: "rotor.rotation.failed" });

  it("lets a function's role holding only it publish to the bus rotor", async () => {
    const event = anEvent();

    const result = await publisher.putEvents("rotor", [event]);

    expect(result.failedEntryCount).toBe(0);
    expect((await root.queryEvent({ busName: "rotor", eventId: event.id })).id).toBe(event.id);
  });

  it("refuses it every other bus and every other EventBridge action", async () => {
    const now = Date.now();
    const refusals = await Promise.all([
      apiFailureOf(publisher.putEvents("elsewhere", [anEvent()])),
      apiFailureOf(publisher.putEvents("default", [anEvent()])),
      apiFailureOf(publisher.queryTracedEvents({ busName: "rotor", startTime: 0, endTime: now })),
      apiFailureOf(publisher.queryEvent({ busName: "rotor", eventId: "any" })),
      apiFailureOf(publisher.createEventBus({ busName: "another" })),
      apiFailureOf(publisher.deleteEventBus("rotor")),
      apiFailureOf(publisher.listEventBuses()),
    ]);

    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ code: "AccessDenied", statusCode: 403 });
    }
  });
});
