import { chown, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  generateSshKeyPair,
  type SshKeyPair,
} from "../../../../src/core/rotators/ecs/ecs-key-pair.ts";
import { ecsSshKeyRotator } from "../../../../src/core/rotators/ecs/ecs-ssh-key-rotator.ts";
import { sshdSkipReason, type TestUser } from "../../../support/sshd.ts";
import { crashAt, useEcsRotationWorld } from "./ecs-rotation-setup.ts";

describe.skipIf(sshdSkipReason())("ecs-ssh-key rotator against a real OpenSSH server", () => {
  const world = useEcsRotationWorld();

  /** A user logging in with a hand-installed key, beside another hand-added key. */
  async function userWithKey(options: { privileged?: boolean; keyAlgorithm?: string } = {}) {
    const w = world();
    const user = await w.sshd.createUser();
    const initial = await generateSshKeyPair("ed25519", "installed-by-hand");
    const unrelated = await generateSshKeyPair("ed25519", "laptop");
    await installKeys(user, [unrelated, initial]);
    let privilegedSecret: string | undefined;
    if (options.privileged) {
      const admin = await w.sshd.createUser({ privileged: true });
      privilegedSecret = await w.createSecret("admin", {
        UserName: admin.name,
        Password: admin.password,
      });
    }
    const secretName = await w.createSecret("ecs-ssh-key", {
      UserName: user.name,
      PublicKey: initial.publicKey,
      PrivateKey: initial.privateKey,
      ...(privilegedSecret ? { privilegedSecret } : {}),
      ...(options.keyAlgorithm ? { keyAlgorithm: options.keyAlgorithm } : {}),
    });
    return { user, initial, unrelated, secretName };
  }

  async function installKeys(user: TestUser, keys: SshKeyPair[]): Promise<void> {
    const dir = join(user.home, ".ssh");
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, "authorized_keys"), keys.map((k) => `${k.publicKey}\n`).join(""), {
      mode: 0o600,
    });
    await chown(dir, user.uid, user.gid);
    await chown(join(dir, "authorized_keys"), user.uid, user.gid);
  }

  const currentKey = async (secretName: string) =>
    (await world().valueAt(secretName, "ACSCurrent")).PrivateKey as string;
  const logsIn = (user: TestUser, privateKey: string) =>
    world().canLogIn(user.name, { privateKey });

  it("keeps the previous key until the next rotation, then removes only keys rotations added", async () => {
    // Prepare
    const w = world();
    const { user, initial, unrelated, secretName } = await userWithKey();
    const engine = w.engine(ecsSshKeyRotator);
    // Act
    await engine.rotate({ secretName });
    const first = await currentKey(secretName);
    await engine.rotate({ secretName });
    const second = await currentKey(secretName);
    await engine.rotate({ secretName });
    const third = await currentKey(secretName);
    // Assess
    expect(await logsIn(user, third)).toBe(true);
    expect(await logsIn(user, second)).toBe(true); // ACSPrevious
    expect(await logsIn(user, first)).toBe(false);
    expect(await logsIn(user, initial.privateKey)).toBe(true); // not added by a rotation
    expect(await logsIn(user, unrelated.privateKey)).toBe(true);
    const file = join(user.home, ".ssh", "authorized_keys");
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    expect(lines.slice(0, 2)).toEqual([unrelated.publicKey, initial.publicKey]);
    expect(lines).toHaveLength(4);
    const info = await stat(file);
    expect([info.mode & 0o777, info.uid, info.gid]).toEqual([0o600, user.uid, user.gid]);
    const current = await w.valueAt(secretName, "ACSCurrent");
    expect(current.PublicKey).toMatch(new RegExp(`^ssh-ed25519 \\S+ rotor:${secretName}:\\S+$`));
    expect(current.PrivateKey).toContain("BEGIN OPENSSH PRIVATE KEY");
    const logs = w.logLines.join("\n");
    for (const key of [first, second, third]) expect(logs).not.toContain(key);
  }, 120_000);

  it("removes the leaked key at once in an emergency rotation, through a privileged login", async () => {
    // Prepare
    const w = world();
    const { user, initial, unrelated, secretName } = await userWithKey({ privileged: true });
    // Act
    await w.engine(ecsSshKeyRotator).rotate({ secretName, emergency: true });
    // Assess
    expect(await logsIn(user, await currentKey(secretName))).toBe(true);
    expect(await logsIn(user, initial.privateKey)).toBe(false);
    expect(await logsIn(user, unrelated.privateKey)).toBe(true);
    const info = await stat(join(user.home, ".ssh", "authorized_keys"));
    expect([info.mode & 0o777, info.uid]).toEqual([0o600, user.uid]);
  }, 120_000);

  it("generates RSA keys when the value asks for them", async () => {
    // Prepare
    const w = world();
    const { user, secretName } = await userWithKey({ keyAlgorithm: "rsa-3072" });
    // Act
    await w.engine(ecsSshKeyRotator).rotate({ secretName });
    // Assess
    const current = await w.valueAt(secretName, "ACSCurrent");
    expect(current.PublicKey).toMatch(/^ssh-rsa /);
    expect(await logsIn(user, current.PrivateKey as string)).toBe(true);
  }, 120_000);

  it("refuses an unknown key algorithm, naming the field and changing nothing", async () => {
    // Prepare
    const w = world();
    const { secretName } = await userWithKey({ keyAlgorithm: "dsa" });
    // Act
    const error = await w
      .engine(ecsSshKeyRotator)
      .rotate({ secretName })
      .catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain("keyAlgorithm");
    const versions = await w.cloud.kms.listSecretVersionIds({
      secretName,
      includeDeprecated: true,
    });
    expect(versions.versions.map((v) => v.versionId)).toEqual(["v0"]);
  });

  it("resumes after a crash before any external call, adding the new key exactly once", async () => {
    // Prepare: count the external calls of one clean rotation
    const w = world();
    const probe = await userWithKey();
    const counter = crashAt(0);
    await w
      .engine(ecsSshKeyRotator, { beforeExternalCall: counter.hook })
      .rotate({ secretName: probe.secretName });
    expect(counter.calls).toContain("external:ssh.authorized-keys.add");
    // Act: crash before call n, then a later invocation takes over
    const outcomes = await Promise.all(
      counter.calls.map(async (_, index) => {
        const { user, initial, secretName } = await userWithKey();
        const crash = crashAt(index + 1);
        const crashed = await w
          .engine(ecsSshKeyRotator, { beforeExternalCall: crash.hook })
          .rotate({ secretName })
          .then(
            () => "no crash",
            (e: unknown) => String(e),
          );
        await w.engine(ecsSshKeyRotator, { afterLease: true }).rotate({ secretName });
        const current = await w.valueAt(secretName, "ACSCurrent");
        const file = await readFile(join(user.home, ".ssh", "authorized_keys"), "utf8");
        return {
          crashedAt: crash.calls[index],
          crashed,
          rotated: current.PrivateKey !== initial.privateKey,
          newWorks: await logsIn(user, current.PrivateKey as string),
          timesAdded: file.split(current.PublicKey as string).length - 1,
          rotationLines: file.split("\n").filter((l) => l.includes(`rotor:${secretName}:`)).length,
        };
      }),
    );
    // Assess: one key line per version that may still be needed, never more
    for (const outcome of outcomes) {
      expect(outcome, outcome.crashedAt).toMatchObject({
        rotated: true,
        newWorks: true,
        timesAdded: 1,
      });
      expect(outcome.rotationLines, outcome.crashedAt).toBeLessThanOrEqual(2);
    }
    const atAdd = outcomes.find((o) => o.crashedAt === "external:ssh.authorized-keys.add");
    expect(atAdd?.crashed).toContain("injected crash");
  }, 240_000);
});
