import { chown, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSshKeyPair } from "../../../../../src/core/rotators/ecs/ecs-key-pair.ts";
import { createEcsSshKeyRotator } from "../../../../../src/core/rotators/ecs/ecs-ssh-key-rotator.ts";
import { sshdSkipReason, type TestUser } from "../../../../support/sshd.ts";
import { useCloudAssistantWorld } from "./cloud-assistant-world.ts";

describe.skipIf(sshdSkipReason())(
  "the ecs-ssh-key rotator through Cloud Assistant (the local ECS product)",
  () => {
    const world = useCloudAssistantWorld();

    /** A user with a hand-installed key (the secret's) and an unrelated one, plus a comment line. */
    async function userWithKey() {
      const w = world();
      const user = await w.sshd.createUser();
      const initial = await generateSshKeyPair("ed25519", "installed-by-hand");
      const unrelated = await generateSshKeyPair("ed25519", "someone-else");
      const dir = join(user.home, ".ssh");
      await mkdir(dir, { mode: 0o700 });
      const file = join(dir, "authorized_keys");
      await writeFile(file, `# managed by hand\n${unrelated.publicKey}\n${initial.publicKey}\n`, {
        mode: 0o600,
      });
      await chown(dir, user.uid, user.gid);
      await chown(file, user.uid, user.gid);
      const rotator = createEcsSshKeyRotator({ cloudAssistant: w.clients });
      const secretName = await w.createSecret(rotator.kind, {
        UserName: user.name,
        PublicKey: initial.publicKey,
        PrivateKey: initial.privateKey,
      });
      return { user, initial, unrelated, rotator, secretName };
    }

    const logsIn = (user: TestUser, privateKey: string) =>
      world().canLogIn(user.name, { privateKey });

    it("adds each new key tagged with its version, keeps the previous one, prunes older rotation keys and touches nothing else", async () => {
      // Prepare
      const w = world();
      const { user, initial, unrelated, rotator, secretName } = await userWithKey();
      const engine = w.engine(rotator);
      const keyAt = async () =>
        (await w.valueAt(secretName, "ACSCurrent")) as Record<string, string>;
      // Act
      await engine.rotate({ secretName });
      const first = await keyAt();
      await engine.rotate({ secretName });
      const second = await keyAt();
      await engine.rotate({ secretName });
      const third = await keyAt();
      // Assess
      const file = join(user.home, ".ssh", "authorized_keys");
      const lines = (await readFile(file, "utf8")).split("\n");
      expect(lines.slice(0, 3)).toEqual([
        "# managed by hand",
        unrelated.publicKey,
        initial.publicKey,
      ]);
      const rotationLines = lines.filter((l) => l.includes(`rotor:${secretName}:`));
      expect(rotationLines).toEqual([second.PublicKey, third.PublicKey]);
      expect(third.PublicKey).toMatch(new RegExp(`rotor:${secretName}:[A-Za-z0-9._-]+$`));
      expect(await logsIn(user, third.PrivateKey as string)).toBe(true);
      expect(await logsIn(user, second.PrivateKey as string)).toBe(true);
      expect(await logsIn(user, first.PrivateKey as string)).toBe(false);
      expect(await logsIn(user, unrelated.privateKey)).toBe(true);
      const [fileInfo, dirInfo] = await Promise.all([stat(file), stat(join(user.home, ".ssh"))]);
      expect([fileInfo.mode & 0o777, fileInfo.uid]).toEqual([0o600, user.uid]);
      expect([dirInfo.mode & 0o777, dirInfo.uid]).toEqual([0o700, user.uid]);
      const logs = w.logLines.join("\n");
      for (const key of [first, second, third]) expect(logs).not.toContain(key.PrivateKey);
    }, 120_000);

    it("removes the leaked key at once in an emergency rotation", async () => {
      // Prepare
      const w = world();
      const { user, initial, unrelated, rotator, secretName } = await userWithKey();
      // Act
      await w.engine(rotator).rotate({ secretName, emergency: true });
      // Assess
      const current = await w.valueAt(secretName, "ACSCurrent");
      expect(await logsIn(user, current.PrivateKey as string)).toBe(true);
      expect(await logsIn(user, initial.privateKey)).toBe(false);
      expect(await logsIn(user, unrelated.privateKey)).toBe(true);
      const info = await stat(join(user.home, ".ssh", "authorized_keys"));
      expect([info.mode & 0o777, info.uid]).toEqual([0o600, user.uid]);
    }, 120_000);

    it("adds no key for a user whose current key is not installed (no .ssh at all), and creates nothing", async () => {
      // Prepare: the user has no .ssh folder, so the secret's key proves nothing
      const w = world();
      const user = await w.sshd.createUser();
      const initial = await generateSshKeyPair("ed25519", "never-installed");
      const rotator = createEcsSshKeyRotator({ cloudAssistant: w.clients });
      const secretName = await w.createSecret(rotator.kind, {
        UserName: user.name,
        PublicKey: initial.publicKey,
        PrivateKey: initial.privateKey,
      });
      // Act
      const failure = await w
        .engine(rotator)
        .rotate({ secretName })
        .catch((error: unknown) => error);
      // Assess
      expect(failure).toBeInstanceOf(Error);
      expect(String(failure)).toContain("none of the keys the secret holds");
      await expect(stat(join(user.home, ".ssh"))).rejects.toThrow(/ENOENT/);
    }, 120_000);
  },
);
