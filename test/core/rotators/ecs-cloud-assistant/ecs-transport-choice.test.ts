import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../src/cloud-api/errors.ts";
import {
  createEcsPasswordRotator,
  ecsPasswordRotator,
} from "../../../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { ecsSshKeyRotator } from "../../../../src/core/rotators/ecs/ecs-ssh-key-rotator.ts";
import { sshdSkipReason } from "../../../support/sshd.ts";
import { useCloudAssistantWorld } from "./cloud-assistant-world.ts";

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

describe.skipIf(sshdSkipReason())("the ecs-password kind through Cloud Assistant", () => {
  const world = useCloudAssistantWorld();

  it("rotates a value that names an instance through the local ECS product", async () => {
    // Prepare: the built-in kind's rotator, with Cloud Assistant clients for this cloud
    const w = world();
    const rotator = createEcsPasswordRotator({ cloudAssistant: w.clients });
    const user = await w.sshd.createUser();
    const secretName = await w.createSecret(rotator.kind, {
      UserName: user.name,
      Password: user.password,
    });
    // Act
    const result = await w.engine(rotator).rotate({ secretName });
    // Assess
    expect(result.outcome).toBe("rotated");
    const current = await w.valueAt(secretName, "ACSCurrent");
    expect(current.InstanceId).toBe(w.instanceId);
    expect(await w.canLogIn(user.name, { password: current.Password as string })).toBe(true);
    expect(await w.canLogIn(user.name, { password: user.password })).toBe(false);
  }, 120_000);
});
