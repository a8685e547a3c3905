import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../src/cloud-api/errors.ts";
import { ecsPasswordRotator } from "../../../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { ecsSshKeyRotator } from "../../../../src/core/rotators/ecs/ecs-ssh-key-rotator.ts";
import {
  checkSameTarget,
  onSameTarget,
} from "../../../../src/core/rotators/ecs/ecs-transport-choice.ts";

const fingerprint = `SHA256:${"A".repeat(43)}`;

describe("the ECS rotators choose SSH or Cloud Assistant from the value", () => {
  it("reads InstanceId and RegionId as Cloud Assistant and host as SSH, under the same kinds", () => {
    // Act
    const overCloudAssistant = ecsPasswordRotator.value.parse(
      JSON.stringify({
        UserName: "app",
        Password: "Pw-1",
        InstanceId: "i-1",
        RegionId: "cn-hangzhou",
      }),
      "s",
    );
    const overSsh = ecsPasswordRotator.value.parse(
      JSON.stringify({
        UserName: "app",
        Password: "Pw-1",
        host: "10.0.0.7",
        hostKeyFingerprint: fingerprint,
      }),
      "s",
    );
    // Assess
    expect([ecsPasswordRotator.kind, ecsSshKeyRotator.kind]).toEqual([
      "ecs-password",
      "ecs-ssh-key",
    ]);
    expect(overCloudAssistant).toMatchObject({ InstanceId: "i-1", RegionId: "cn-hangzhou" });
    expect(overSsh).toMatchObject({ host: "10.0.0.7" });
    expect(ecsPasswordRotator.value.sensitive(overCloudAssistant)).toEqual(["Pw-1"]);
  });

  it("refuses a value naming both a host and an instance, naming the fields", () => {
    // Act
    const error = (() => {
      try {
        ecsPasswordRotator.value.parse(
          JSON.stringify({
            UserName: "app",
            Password: "Pw-1",
            host: "10.0.0.7",
            hostKeyFingerprint: fingerprint,
            InstanceId: "i-1",
            RegionId: "cn-hangzhou",
          }),
          "web-1",
        );
      } catch (e) {
        return e;
      }
    })();
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(String(error)).toMatch(/web-1.*host.*InstanceId/);
    expect(String(error)).not.toContain("Pw-1");
  });

  it("says what is missing when a Cloud Assistant value lacks RegionId", () => {
    // Act
    const parse = () =>
      ecsSshKeyRotator.value.parse(
        JSON.stringify({
          UserName: "app",
          PublicKey: "ssh-ed25519 AAAA",
          PrivateKey: "x",
          InstanceId: "i-1",
        }),
        "s",
      );
    // Assess
    expect(parse).toThrow(/RegionId/);
  });
});

describe("a rotation only changes the credential, never the server or how it is reached", () => {
  const overSsh = {
    UserName: "app",
    Password: "Pw-ssh-1",
    host: "10.0.0.7",
    hostKeyFingerprint: fingerprint,
  };
  const onInstance = {
    UserName: "app",
    Password: "Pw-ca-1",
    InstanceId: "i-1",
    RegionId: "cn-hangzhou",
  };
  const refusal = (check: () => void): unknown => {
    try {
      check();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it("refuses a pending value that reaches the server another way, in either direction", () => {
    // Act
    const toInstance = refusal(() => checkSameTarget(overSsh, onInstance, "web-1"));
    const toSsh = refusal(() => checkSameTarget(onInstance, overSsh, "web-1"));
    // Assess
    for (const error of [toInstance, toSsh]) {
      expect(error).toBeInstanceOf(ValidationError);
      expect(String(error)).toMatch(/web-1.*another way/);
      expect(String(error)).not.toMatch(/Pw-/);
    }
  });

  it("refuses a pending value naming another account, host or instance, naming the fields", () => {
    // Act
    const otherHost = refusal(() =>
      checkSameTarget(overSsh, { ...overSsh, host: "10.0.0.8", port: 2222 }, "web-1"),
    );
    const otherInstance = refusal(() =>
      checkSameTarget(onInstance, { ...onInstance, UserName: "root", InstanceId: "i-2" }, "web-1"),
    );
    const privileged = refusal(() =>
      checkSameTarget(overSsh, { ...overSsh, privilegedSecret: "web-1-root" }, "web-1"),
    );
    // Assess
    expect(String(otherHost)).toMatch(/web-1 differs from the current one in host, port:/);
    expect(String(otherInstance)).toMatch(/in UserName, InstanceId:/);
    expect(String(privileged)).toMatch(/in privilegedSecret:/);
    expect(otherHost).toBeInstanceOf(ValidationError);
    const newPassword = { ...overSsh, Password: "Pw-ssh-2" };
    expect(refusal(() => checkSameTarget(overSsh, newPassword, "s"))).toBe(undefined);
  });

  it("tries a previous value only where it names the current account and server, reached the same way", () => {
    // Act
    const same = onSameTarget(overSsh, { ...overSsh, Password: "Pw-old" });
    const otherWay = onSameTarget(overSsh, onInstance);
    const otherHost = onSameTarget(overSsh, { ...overSsh, host: "10.0.0.9" });
    const otherRegion = onSameTarget(onInstance, { ...onInstance, RegionId: "cn-beijing" });
    // Assess
    expect(same).toMatchObject({ Password: "Pw-old" });
    expect([otherWay, otherHost, otherRegion]).toEqual([undefined, undefined, undefined]);
  });
});
