import { chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "vitest";
import type { EcsClient } from "../../../../../src/cloud-api/ecs-client.ts";
import { generateSshKeyPair } from "../../../../../src/core/rotators/ecs/ecs-key-pair.ts";
import { createEcsPasswordRotator } from "../../../../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { createEcsSshKeyRotator } from "../../../../../src/core/rotators/ecs/ecs-ssh-key-rotator.ts";
import { testRotator } from "../../../../../src/testing/test-rotator.ts";
import { ANY_INSTANCE } from "../../../../support/deploy-policies.ts";
import { sshdSkipReason } from "../../../../support/sshd.ts";
import { useCloudAssistantWorld } from "./cloud-assistant-world.ts";

// Both Cloud Assistant rotators through the conformance suite. The suite's
// harness keeps the secrets in its own local cloud; the rotators reach the
// instance (a real sshd) through the ECS product of the world's cloud.
describe.skipIf(sshdSkipReason())("ECS rotators over Cloud Assistant", () => {
  const world = useCloudAssistantWorld();
  const clients = { ecs: (regionId: string): EcsClient => world().clients.ecs(regionId) };
  const instance = () => ({ InstanceId: world().instanceId, RegionId: world().cloud.region });
  const otherInstance = { InstanceId: "i-local", RegionId: "cn-hangzhou" };

  const passwordRotator = createEcsPasswordRotator({ cloudAssistant: clients });
  testRotator({
    rotator: passwordRotator,
    policy: ANY_INSTANCE,
    async prepare() {
      const user = await world().sshd.createUser();
      return {
        data: JSON.stringify({ UserName: user.name, Password: user.password, ...instance() }),
        tags: { "rotor:rotator": passwordRotator.kind },
        async verify(data) {
          const value = JSON.parse(data) as { UserName: string; Password: string };
          if (!(await world().canLogIn(value.UserName, { password: value.Password }))) {
            throw new Error(`the server refuses the stored password of ${value.UserName}`);
          }
        },
      };
    },
    badValues: [
      {
        data: JSON.stringify({ UserName: "app;id", Password: "Some-password-1", ...otherInstance }),
        error: /UserName/,
      },
      {
        data: JSON.stringify({ UserName: "app", Password: "two\nlines", ...otherInstance }),
        error: /Password/,
      },
      {
        data: JSON.stringify({ UserName: "app", Password: "half \ud800 pair", ...otherInstance }),
        error: /Password/,
      },
      {
        data: JSON.stringify({
          UserName: "app",
          Password: "Some-password-1",
          RegionId: "cn-hangzhou",
        }),
        error: /InstanceId/,
      },
      {
        data: JSON.stringify({
          UserName: "app",
          Password: "Some-password-1",
          InstanceId: "i-1; reboot",
          RegionId: "cn-hangzhou",
        }),
        error: /InstanceId/,
      },
      {
        data: JSON.stringify({ UserName: "app", Password: "Some-password-1", InstanceId: "i-1" }),
        error: /RegionId/,
      },
    ],
  });

  const keyRotator = createEcsSshKeyRotator({ cloudAssistant: clients });
  testRotator({
    rotator: keyRotator,
    policy: ANY_INSTANCE,
    async prepare() {
      const user = await world().sshd.createUser();
      const initial = await generateSshKeyPair("ed25519", "installed-by-hand");
      const dir = join(user.home, ".ssh");
      await mkdir(dir, { mode: 0o700 });
      await writeFile(join(dir, "authorized_keys"), `${initial.publicKey}\n`, { mode: 0o600 });
      await chown(dir, user.uid, user.gid);
      await chown(join(dir, "authorized_keys"), user.uid, user.gid);
      return {
        data: JSON.stringify({
          UserName: user.name,
          PublicKey: initial.publicKey,
          PrivateKey: initial.privateKey,
          ...instance(),
        }),
        tags: { "rotor:rotator": keyRotator.kind },
        async verify(data) {
          const value = JSON.parse(data) as { UserName: string; PrivateKey: string };
          if (!(await world().canLogIn(value.UserName, { privateKey: value.PrivateKey }))) {
            throw new Error(`the server refuses the stored key of ${value.UserName}`);
          }
        },
      };
    },
    badValues: [
      {
        data: JSON.stringify({
          UserName: "app",
          PublicKey: "ssh-ed25519 AAAA",
          PrivateKey: "not a key",
          ...otherInstance,
        }),
        error: /PrivateKey/,
      },
      {
        data: JSON.stringify({
          UserName: "$(reboot)",
          PublicKey: "ssh-ed25519 AAAA",
          PrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----",
          ...otherInstance,
        }),
        error: /UserName/,
      },
    ],
  });
});
