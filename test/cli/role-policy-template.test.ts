/**
 * renderRolePolicy: the instance placeholders of a template become the
 * instances the deployment names, one resource each; `*` stays `*`; none
 * drops the statement; anything that is not an instance id is refused.
 * And `rotor policy <template>` prints it.
 */
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { type RamPolicyDocument, renderRolePolicy } from "../../src/cli/role-policy-template.ts";
import { ConfigError } from "../../src/cloud-api/errors.ts";

/** How a template names the variable (written apart, as it is not a template literal). */
const RDS_INSTANCES = "$" + "{ROTOR_RDS_INSTANCES}";
const POLARDB_CLUSTERS = "$" + "{ROTOR_POLARDB_CLUSTERS}";

const TEMPLATE: RamPolicyDocument = {
  Version: "1",
  Statement: [
    { Effect: "Allow", Action: "kms:GetSecretValue", Resource: "acs:kms:*:*:secret/rotor/mysql/*" },
    {
      Effect: "Allow",
      Action: ["rds:ResetAccountPassword"],
      Resource: `acs:rds:*:*:dbinstance/${RDS_INSTANCES}`,
    },
  ],
};

describe("renderRolePolicy", () => {
  it("writes one resource per instance the variable names", () => {
    const rendered = renderRolePolicy(TEMPLATE, { ROTOR_RDS_INSTANCES: "rm-a, rm-b" });
    expect(rendered.Statement[1]?.Resource).toEqual([
      "acs:rds:*:*:dbinstance/rm-a",
      "acs:rds:*:*:dbinstance/rm-b",
    ]);
    expect(rendered.Statement[0]).toEqual(TEMPLATE.Statement[0]);
  });

  it("keeps a single instance as a single resource, and * as every instance", () => {
    expect(renderRolePolicy(TEMPLATE, { ROTOR_RDS_INSTANCES: "rm-a" }).Statement[1]?.Resource).toBe(
      "acs:rds:*:*:dbinstance/rm-a",
    );
    expect(renderRolePolicy(TEMPLATE, { ROTOR_RDS_INSTANCES: "*" }).Statement[1]?.Resource).toBe(
      "acs:rds:*:*:dbinstance/*",
    );
  });

  it("drops the statement when no instance is named: no right at all", () => {
    expect(renderRolePolicy(TEMPLATE, {}).Statement).toEqual([TEMPLATE.Statement[0]]);
  });

  it("fills PolarDB clusters from their own variable, never from RDS's", () => {
    const template: RamPolicyDocument = {
      ...TEMPLATE,
      Statement: [
        ...TEMPLATE.Statement,
        {
          Effect: "Allow",
          Action: ["polardb:ModifyAccountPassword"],
          Resource: `acs:polardb:*:*:dbcluster/${POLARDB_CLUSTERS}`,
        },
      ],
    };

    const both = renderRolePolicy(template, {
      ROTOR_RDS_INSTANCES: "rm-a",
      ROTOR_POLARDB_CLUSTERS: "pc-a,pc-b",
    });
    const rdsOnly = renderRolePolicy(template, { ROTOR_RDS_INSTANCES: "*" });

    expect(both.Statement[2]?.Resource).toEqual([
      "acs:polardb:*:*:dbcluster/pc-a",
      "acs:polardb:*:*:dbcluster/pc-b",
    ]);
    expect(rdsOnly.Statement.map((statement) => statement.Resource)).toEqual([
      TEMPLATE.Statement[0]?.Resource,
      "acs:rds:*:*:dbinstance/*",
    ]);
    expect(() => renderRolePolicy(template, { ROTOR_POLARDB_CLUSTERS: "pc-*" })).toThrow(
      /ROTOR_POLARDB_CLUSTERS/,
    );
  });

  it.each([
    ["a wildcard inside an id", "rm-*a"],
    ["a path", "rm-a/../x"],
    ["a RAM wildcard", "rm-?"],
  ])("refuses %s in the variable, naming it", (_what, value) => {
    expect(() => renderRolePolicy(TEMPLATE, { ROTOR_RDS_INSTANCES: value })).toThrow(ConfigError);
    expect(() => renderRolePolicy(TEMPLATE, { ROTOR_RDS_INSTANCES: value })).toThrow(
      /ROTOR_RDS_INSTANCES/,
    );
  });

  it("renders the Redis/Tair instances from ROTOR_REDIS_INSTANCES", () => {
    const redis: RamPolicyDocument = {
      Version: "1",
      Statement: [
        {
          Effect: "Allow",
          Action: "kvstore:ResetAccountPassword",
          Resource: `acs:kvstore:*:*:instance/${"$"}{ROTOR_REDIS_INSTANCES}`,
        },
      ],
    };
    expect(
      renderRolePolicy(redis, { ROTOR_REDIS_INSTANCES: "r-a,r-b" }).Statement[0]?.Resource,
    ).toEqual(["acs:kvstore:*:*:instance/r-a", "acs:kvstore:*:*:instance/r-b"]);
    expect(renderRolePolicy(redis, { ROTOR_RDS_INSTANCES: "*" }).Statement).toEqual([]);
  });

  it("refuses a placeholder it does not know", () => {
    const unknown: RamPolicyDocument = {
      Version: "1",
      Statement: [{ Effect: "Allow", Action: "x:Y", Resource: `acs:x:*:*:thing/${"$"}{HOME}` }],
    };
    expect(() => renderRolePolicy(unknown, { HOME: "/root" })).toThrow(/ROTOR_RDS_INSTANCES/);
  });
});

describe("rotor policy", () => {
  async function run(args: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("prints a template's policy with the deployment's instances", async () => {
    const { code, out } = await run(["policy", "rotate-ecs-password"], {
      ROTOR_ECS_INSTANCES: "i-bp1aaaa,i-bp1bbbb",
    });

    expect(code).toBe(0);
    const policy = JSON.parse(out) as RamPolicyDocument;
    expect(policy.Statement.flatMap((s) => s.Resource)).toEqual(
      expect.arrayContaining(["acs:ecs:*:*:instance/i-bp1aaaa", "acs:ecs:*:*:instance/i-bp1bbbb"]),
    );
    expect(out).not.toContain("${");
  });

  it("names a template that does not exist, and a malformed variable", async () => {
    expect(await run(["policy", "rotate-nothing"])).toMatchObject({
      code: 2,
      err: expect.stringContaining("templates/rotate-nothing/policy.json"),
    });
    expect(await run(["policy", "rotate-mysql"], { ROTOR_RDS_INSTANCES: "rm-a?" })).toMatchObject({
      code: 1,
      err: expect.stringContaining("ROTOR_RDS_INSTANCES"),
    });
  });
});
