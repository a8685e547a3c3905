import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/cloud-api/errors.ts";
import {
  allowsExactly,
  allowsPrefix,
  DEFAULT_DEPLOY_POLICY,
  deployPolicyFromEnv,
  describeAllowed,
} from "../../../src/core/contract/deploy-policy.ts";

describe("deploy policy from the function's environment", () => {
  it("is the safe default when nothing is set", () => {
    const policy = deployPolicyFromEnv({});
    expect(policy).toEqual(DEFAULT_DEPLOY_POLICY);
    expect(allowsExactly(policy.rdsInstances, "rm-1")).toBe(false);
    expect(allowsExactly(policy.polardbClusters, "pc-1")).toBe(false);
    expect(allowsExactly(policy.ecsInstances, "i-1")).toBe(false);
    expect(allowsExactly(policy.redisInstances, "r-1")).toBe(false);
    expect(allowsExactly(policy.webhookOrigins, "https://hooks.example.com")).toBe(false);
    expect(policy.passwordFloor).toEqual({ minLength: 20, minClasses: 3 });
    expect(policy.maxLeaseMs).toBe(3_600_000);
    expect(policy.minGraceMs).toBe(3_600_000);
  });

  it("reads lists, * for any, numbers and a duration", () => {
    const policy = deployPolicyFromEnv({
      ROTOR_SECRET_PREFIXES: "rotor/mysql/, rotor/pg/",
      ROTOR_RDS_INSTANCES: "*",
      ROTOR_REDIS_INSTANCES: "r-bp1a, r-bp1b",
      ROTOR_POLARDB_CLUSTERS: "pc-a,pc-b",
      ROTOR_WEBHOOK_ORIGINS: "https://hooks.example.com",
      ROTOR_PASSWORD_MIN_LENGTH: "32",
      ROTOR_PASSWORD_MIN_CLASSES: "4",
      ROTOR_MAX_LEASE: "30m",
      ROTOR_MIN_GRACE_PERIOD: "1s",
    });
    expect(allowsPrefix(policy.secretPrefixes, "rotor/pg/app")).toBe(true);
    expect(allowsPrefix(policy.secretPrefixes, "rotor/generic/app")).toBe(false);
    expect(describeAllowed(policy.secretPrefixes)).toBe("rotor/mysql/, rotor/pg/");
    expect(allowsExactly(policy.rdsInstances, "rm-anything")).toBe(true);
    expect(allowsExactly(policy.redisInstances, "r-bp1b")).toBe(true);
    expect(allowsExactly(policy.redisInstances, "r-bp1")).toBe(false);
    expect(allowsExactly(policy.polardbClusters, "pc-b")).toBe(true);
    // Each product its own list: RDS's * allows no PolarDB cluster, nor the other way round.
    expect(allowsExactly(policy.polardbClusters, "pc-c")).toBe(false);
    expect(
      allowsExactly(deployPolicyFromEnv({ ROTOR_RDS_INSTANCES: "*" }).polardbClusters, "pc-a"),
    ).toBe(false);
    expect(allowsExactly(policy.webhookOrigins, "https://hooks.example.com")).toBe(true);
    expect(policy.passwordFloor).toEqual({ minLength: 32, minClasses: 4 });
    expect(policy.maxLeaseMs).toBe(1_800_000);
    expect(policy.minGraceMs).toBe(1_000);
  });

  it.each([
    ["ROTOR_SECRET_PREFIXES", "rotor/a/,,rotor/b/"],
    ["ROTOR_ECS_INSTANCES", "i-1,*"],
    ["ROTOR_REDIS_INSTANCES", "r-1,"],
    ["ROTOR_POLARDB_CLUSTERS", "pc-1,,pc-2"],
    ["ROTOR_PASSWORD_MIN_LENGTH", "7"],
    ["ROTOR_PASSWORD_MIN_CLASSES", "five"],
    ["ROTOR_MAX_LEASE", "8d"],
    ["ROTOR_MAX_LEASE", "30"],
    ["ROTOR_MAX_LEASE", "30s"],
    ["ROTOR_MIN_GRACE_PERIOD", "31d"],
  ])("refuses %s=%s with an error naming the variable", (name, value) => {
    expect(() => deployPolicyFromEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => deployPolicyFromEnv({ [name]: value })).toThrow(name);
  });
});
