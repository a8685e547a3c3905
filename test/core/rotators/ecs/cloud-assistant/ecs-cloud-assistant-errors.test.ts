import { describe, expect, it } from "vitest";
import { createEcsPasswordRotator } from "../../../../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { sshdSkipReason } from "../../../../support/sshd.ts";
import { useCloudAssistantWorld } from "./cloud-assistant-world.ts";

describe.skipIf(sshdSkipReason())("ECS Cloud Assistant rotation errors", () => {
  const world = useCloudAssistantWorld();

  /** The secret's versions after a refused rotation: only the first, still current. */
  async function currentVersionOf(secretName: string) {
    const secret = await world().cloud.kms.getSecretValue({ secretName });
    return secret.versionId;
  }

  it("names an instance Cloud Assistant does not know, and the password stays unchanged", async () => {
    // Prepare
    const w = world();
    const user = await w.sshd.createUser();
    const rotator = createEcsPasswordRotator({ cloudAssistant: w.clients });
    const secretName = await w.createSecret(rotator.kind, {
      UserName: user.name,
      Password: user.password,
      InstanceId: "i-unknown0001",
    });
    // Act
    const error = await w
      .engine(rotator)
      .rotate({ secretName })
      .catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain("InvalidInstance.NotFound");
    expect(String(error)).toContain("i-unknown0001");
    expect(await currentVersionOf(secretName)).toBe("v0");
    expect(await w.canLogIn(user.name, { password: user.password })).toBe(true);
  }, 120_000);

  it("reports a failed command with its exit code and never the password", async () => {
    // Prepare: an account the instance does not have, so the check of its
    // current password (made before chpasswd) exits non-zero
    const w = world();
    const rotator = createEcsPasswordRotator({ cloudAssistant: w.clients });
    const secretName = await w.createSecret(rotator.kind, {
      UserName: "rotor_no_such_user",
      Password: "Initial-password-1",
    });
    // Act
    const error = await w
      .engine(rotator)
      .rotate({ secretName })
      .catch((e: unknown) => e);
    // Assess
    const message = String(error);
    expect(message).toMatch(
      /checking rotor_no_such_user's password on root@i-local-\S+ \(Cloud Assistant\) failed \(exit [1-9]\): there is no account rotor_no_such_user/,
    );
    const pending = await w.cloud.kms
      .getSecretValue({ secretName, versionStage: "ACSPending" })
      .then((s) => JSON.parse(s.secretData).Password as string);
    expect(message).not.toContain(pending);
    expect(w.logLines.join("\n")).not.toContain(pending);
    expect(await currentVersionOf(secretName)).toBe("v0");
  }, 120_000);
});
