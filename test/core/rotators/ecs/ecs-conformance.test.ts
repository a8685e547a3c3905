import { chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { generateSshKeyPair } from "../../../../src/core/rotators/ecs/ecs-key-pair.ts";
import { ecsPasswordRotator } from "../../../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { ecsSshKeyRotator } from "../../../../src/core/rotators/ecs/ecs-ssh-key-rotator.ts";
import { canLogIn } from "../../../../src/core/rotators/ecs/ecs-ssh-session.ts";
import type { RotationHarness } from "../../../../src/testing/rotation-harness.ts";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import { type SshdServer, sshdSkipReason, startSshd } from "../../../support/sshd.ts";

// Both ECS rotators through the conformance suite every rotator passes,
// against one real sshd: passwords through a privileged (uid 0) login,
// keys through the user's own login.
describe.skipIf(sshdSkipReason())("ECS rotators over SSH", () => {
  let sshd: SshdServer;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const target = () => ({
    host: sshd.host,
    port: sshd.port,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
  });
  const mustLogIn = async (
    userName: string,
    credential: { password?: string; privateKey?: string },
  ) => {
    if (!(await canLogIn({ ...target(), userName, ...credential }))) {
      throw new Error(`the server refuses ACSCurrent's credential for ${userName}`);
    }
  };

  /** One privileged login secret per harness (each suite has its own cloud). */
  const adminSecrets = new WeakMap<RotationHarness, Promise<string>>();
  const adminSecretIn = (harness: RotationHarness) => {
    let secret = adminSecrets.get(harness);
    if (!secret) {
      secret = (async () => {
        const admin = await sshd.createUser({ privileged: true });
        const name = harness.uniqueName("ecs-admin");
        const data = JSON.stringify({
          UserName: admin.name,
          Password: admin.password,
          ...target(),
        });
        await harness.createSecret({ name, data, tags: {} });
        return name;
      })();
      adminSecrets.set(harness, secret);
    }
    return secret;
  };

  testRotator({
    rotator: ecsPasswordRotator,
    async prepare(harness) {
      const user = await sshd.createUser();
      const privilegedSecret = await adminSecretIn(harness);
      return {
        data: JSON.stringify({
          UserName: user.name,
          Password: user.password,
          ...target(),
          privilegedSecret,
        }),
        tags: { "rotor:rotator": "ecs-password" },
        async verify(data) {
          const value = JSON.parse(data) as { UserName: string; Password: string };
          await mustLogIn(value.UserName, { password: value.Password });
        },
      };
    },
    badValues: [
      {
        data: JSON.stringify({
          UserName: "app;id",
          Password: "Some-password-1",
          host: "127.0.0.1",
          hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
        }),
        error: /UserName/,
      },
      {
        data: JSON.stringify({ UserName: "app", Password: "Some-password-1", host: "127.0.0.1" }),
        error: /hostKeyFingerprint/,
      },
      {
        data: JSON.stringify({
          UserName: "app",
          Password: "two\nlines",
          host: "127.0.0.1",
          hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
        }),
        error: /Password/,
      },
      { data: '{"UserName":"app","Password":', error: /not JSON/ },
    ],
  });

  testRotator({
    rotator: ecsSshKeyRotator,
    async prepare() {
      const user = await sshd.createUser();
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
          ...target(),
        }),
        tags: { "rotor:rotator": "ecs-ssh-key" },
        async verify(data) {
          const value = JSON.parse(data) as { UserName: string; PrivateKey: string };
          await mustLogIn(value.UserName, { privateKey: value.PrivateKey });
        },
      };
    },
    badValues: [
      {
        data: JSON.stringify({
          UserName: "app",
          PublicKey: "ssh-ed25519 AAAA",
          PrivateKey: "not a key",
          host: "127.0.0.1",
          hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
        }),
        error: /PrivateKey/,
      },
      {
        data: JSON.stringify({
          UserName: "$(reboot)",
          PublicKey: "ssh-ed25519 AAAA",
          PrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----",
          host: "127.0.0.1",
          hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
        }),
        error: /UserName/,
      },
      {
        data: JSON.stringify({
          UserName: "app",
          PublicKey: "ssh-ed25519 AAAA",
          PrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----",
          host: "127.0.0.1",
          port: 70000,
          hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
        }),
        error: /port/,
      },
    ],
  });
});
