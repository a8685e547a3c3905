/**
 * The cloud a rotator gets (ctx.cloud) builds each product's client at its
 * first use, once per region, with the deployment's endpoints: a rotation
 * that needs no RDS never builds (nor fails on) an RDS client.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, ValidationError } from "../../../src/cloud-api/errors.ts";
import { openRotatorCloud } from "../../../src/core/contract/rotator-cloud.ts";

/** A deployment whose RDS endpoint is malformed: building an RDS client throws. */
const env = { ROTOR_ENDPOINT: "http://127.0.0.1:9", ROTOR_ENDPOINT_RDS: "ftp://rds.example" };

describe("openRotatorCloud", () => {
  it("builds no client until a rotator asks for one", () => {
    // Act
    const cloud = openRotatorCloud({ env });
    const ram = cloud.ram();
    // Assess: RAM was built, RDS (whose endpoint is wrong) only when asked for
    expect(ram).toBe(cloud.ram());
    expect(() => cloud.rds("cn-hangzhou")).toThrow(ConfigError);
    expect(() => cloud.rds("cn-hangzhou")).toThrow(/ROTOR_ENDPOINT_RDS/);
  });

  it("refuses a region that is not a region id before building a client", () => {
    // Prepare: public endpoints, whose host is built from the region
    const cloud = openRotatorCloud({ env: {} });
    // Act
    const steered = () => cloud.rds("attacker.example/x");
    // Assess: the host would have been rds.attacker.example/x.aliyuncs.com
    expect(steered).toThrow(ValidationError);
    expect(steered).toThrow('region "attacker.example/x" is not a region id');
    expect(() => cloud.ecs("cn-hangzhou..")).toThrow(ValidationError);
    expect(cloud.ecs("cn-hangzhou").caller.region).toBe("cn-hangzhou");
  });

  it("keeps one client per product and region for the invocation", () => {
    // Act
    const cloud = openRotatorCloud({ env });
    // Assess
    expect(cloud.ecs("cn-hangzhou")).toBe(cloud.ecs("cn-hangzhou"));
    expect(cloud.ecs("cn-shanghai")).not.toBe(cloud.ecs("cn-hangzhou"));
    expect(cloud.ecs("cn-shanghai").caller.region).toBe("cn-shanghai");
    expect(cloud.kvstore()).toBe(cloud.kvstore());
    expect(openRotatorCloud({ env }).kvstore()).not.toBe(cloud.kvstore());
  });

  it("signs STS with a held key in a client of its own, never the invocation's", () => {
    // Act
    const cloud = openRotatorCloud({ env });
    const held = { accessKeyId: "LTAI-held", accessKeySecret: "held-secret-value" };
    // Assess
    expect(cloud.sts()).toBe(cloud.sts());
    expect(cloud.sts({ credentials: held })).not.toBe(cloud.sts());
    expect(cloud.sts({ credentials: held })).not.toBe(cloud.sts({ credentials: held }));
  });
});
