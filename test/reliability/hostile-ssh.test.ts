/**
 * ECS rotations against a hostile network: a real sshd behind a TCP proxy
 * that slows every packet, cuts connections after a number of bytes from
 * the server, or refuses them. Each ends in a correct rotation or a clear
 * error naming the server and never a password or key; the next invocation
 * on a sound network completes, and ACSCurrent logs in.
 */
import { chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSshKeyPair } from "../../src/core/rotators/ecs/ecs-key-pair.ts";
import { ecsPasswordRotator } from "../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { ecsSshKeyRotator } from "../../src/core/rotators/ecs/ecs-ssh-key-rotator.ts";
import { useEcsRotationWorld } from "../core/rotators/ecs/ecs-rotation-setup.ts";
import { sshdSkipReason } from "../support/sshd.ts";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.ts";

/** Bytes from sshd after which a connection is cut: in the key exchange, the login, the command (a whole connection of these rotations carries about 2 KB from the server). */
const CUT_POINTS = [300, 800, 1_300, 1_800];

describe.skipIf(sshdSkipReason())("ECS rotations against a hostile network", () => {
  const world = useEcsRotationWorld();
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy({ host: world().sshd.host, port: world().sshd.port });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  /** A root login rotating its own password, reached through the proxy. */
  async function passwordSecretBehindProxy() {
    const w = world();
    const user = await w.sshd.createUser({ privileged: true });
    const secretName = await w.createSecret("ecs-password", {
      UserName: user.name,
      Password: user.password,
      host: proxy.host,
      port: proxy.port,
    });
    return { user, secretName };
  }

  /** A user logging in with a key, rotated through a privileged login, reached through the proxy. */
  async function keySecretBehindProxy() {
    const w = world();
    const [user, admin] = await Promise.all([
      w.sshd.createUser(),
      w.sshd.createUser({ privileged: true }),
    ]);
    const initial = await generateSshKeyPair("ed25519", "installed-by-hand");
    const sshDir = join(user.home, ".ssh");
    await mkdir(sshDir, { mode: 0o700 });
    await writeFile(join(sshDir, "authorized_keys"), `${initial.publicKey}\n`, { mode: 0o600 });
    await chown(sshDir, user.uid, user.gid);
    await chown(join(sshDir, "authorized_keys"), user.uid, user.gid);
    const privilegedSecret = await w.createSecret("admin", {
      UserName: admin.name,
      Password: admin.password,
      host: proxy.host,
      port: proxy.port,
    });
    const secretName = await w.createSecret("ecs-ssh-key", {
      UserName: user.name,
      PublicKey: initial.publicKey,
      PrivateKey: initial.privateKey,
      privilegedSecret,
      host: proxy.host,
      port: proxy.port,
    });
    return { user, admin, initial, secretName };
  }

  /** Every secret the test knows must be absent from an error and the log lines. */
  function expectNothingSecretIn(text: string, secrets: readonly string[]) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }

  it("a slow network (every packet delayed): both rotators complete", async () => {
    // Prepare
    const w = world();
    const password = await passwordSecretBehindProxy();
    const key = await keySecretBehindProxy();
    proxy.fault = { kind: "delay", ms: 15 };

    // Act
    const passwordResult = await w.engine(ecsPasswordRotator).rotate(password);
    const keyResult = await w.engine(ecsSshKeyRotator).rotate({ secretName: key.secretName });
    proxy.fault = { kind: "none" };

    // Assess
    expect(passwordResult.outcome).toBe("rotated");
    expect(keyResult.outcome).toBe("rotated");
    const newPassword = (await w.valueAt(password.secretName, "ACSCurrent")).Password as string;
    expect(await w.canLogIn(password.user.name, { password: newPassword })).toBe(true);
    const newKey = (await w.valueAt(key.secretName, "ACSCurrent")).PrivateKey as string;
    expect(await w.canLogIn(key.user.name, { privateKey: newKey })).toBe(true);
  }, 180_000);

  for (const serverBytes of CUT_POINTS) {
    it(`password: connections cut after ${serverBytes} bytes from the server: a rotation or a clear error, and the next invocation completes`, async () => {
      // Prepare
      const w = world();
      const { user, secretName } = await passwordSecretBehindProxy();
      const cutsBefore = proxy.cuts;
      proxy.fault = { kind: "cut-after", serverBytes };

      // Act
      const failure = await w
        .engine(ecsPasswordRotator)
        .rotate({ secretName })
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      proxy.fault = { kind: "none" };
      const resumed = await w
        .engine(ecsPasswordRotator, { afterLease: true })
        .rotate({ secretName });

      // Assess: the fault did cut; retries may have carried the rotation through.
      expect(proxy.cuts).toBeGreaterThan(cutsBefore);
      if (failure) {
        expect(failure.message).toMatch(
          new RegExp(`SSH connection to ${user.name}@127\\.0\\.0\\.1:${proxy.port} failed`),
        );
      }
      expect(["rotated", "already-current"]).toContain(resumed.outcome);
      const current = (await w.valueAt(secretName, "ACSCurrent")).Password as string;
      expect(await w.canLogIn(user.name, { password: current })).toBe(true);
      expect(await w.canLogIn(user.name, { password: user.password })).toBe(false);
      expectNothingSecretIn(`${failure?.message}\n${failure?.stack}\n${w.logLines.join("\n")}`, [
        user.password,
        current,
      ]);
    }, 180_000);
  }

  for (const serverBytes of CUT_POINTS) {
    it(`SSH key: connections cut after ${serverBytes} bytes leave ACSCurrent's key working; the next invocation completes`, async () => {
      // Prepare
      const w = world();
      const { user, admin, initial, secretName } = await keySecretBehindProxy();
      const cutsBefore = proxy.cuts;
      proxy.fault = { kind: "cut-after", serverBytes };

      // Act
      const failure = await w
        .engine(ecsSshKeyRotator)
        .rotate({ secretName })
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      proxy.fault = { kind: "none" };
      const currentAfterFailure = (await w.valueAt(secretName, "ACSCurrent")).PrivateKey as string;
      const loginAfterFailure = await w.canLogIn(user.name, { privateKey: currentAfterFailure });
      const resumed = await w.engine(ecsSshKeyRotator, { afterLease: true }).rotate({ secretName });

      // Assess: the fault did cut; retries may have carried the rotation through.
      expect(proxy.cuts).toBeGreaterThan(cutsBefore);
      if (failure) expect(failure.message).toMatch(/SSH connection to \S+@127\.0\.0\.1:\d+ failed/);
      expect(loginAfterFailure).toBe(true);
      expect(["rotated", "already-current"]).toContain(resumed.outcome);
      const current = (await w.valueAt(secretName, "ACSCurrent")).PrivateKey as string;
      expect(current).not.toBe(initial.privateKey);
      expect(await w.canLogIn(user.name, { privateKey: current })).toBe(true);
      expectNothingSecretIn(`${failure?.message}\n${failure?.stack}\n${w.logLines.join("\n")}`, [
        initial.privateKey,
        current,
        admin.password,
      ]);
    }, 180_000);
  }

  it("refused connections: a clear error naming the server, and the secret unchanged", async () => {
    // Prepare
    const w = world();
    const { user, secretName } = await passwordSecretBehindProxy();
    const before = await w.cloud.kms.listSecretVersionIds({ secretName });
    proxy.fault = { kind: "refuse" };

    // Act
    const failure = await w
      .engine(ecsPasswordRotator)
      .rotate({ secretName })
      .catch((error: unknown) => error as Error);
    proxy.fault = { kind: "none" };

    // Assess
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain(`127.0.0.1:${proxy.port}`);
    expect(await w.canLogIn(user.name, { password: user.password })).toBe(true);
    const after = await w.cloud.kms.listSecretVersionIds({ secretName });
    const stages = (versions: typeof before.versions) =>
      versions
        .filter((version) => version.versionStages.includes("ACSCurrent"))
        .map((version) => version.versionId);
    expect(stages(after.versions)).toEqual(stages(before.versions));
  }, 120_000);
});
