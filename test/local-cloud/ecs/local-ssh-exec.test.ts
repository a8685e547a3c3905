import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalEcsInstance } from "../../../src/local-cloud/ecs/local-ecs-instance.ts";
import { SshExecError, sshExec } from "../../../src/local-cloud/ecs/local-ssh-exec.ts";
import { type SshdServer, sshdSkipReason, startSshd, type TestUser } from "../../support/sshd.ts";

const run = promisify(execFile);

/** Whether a process still exists (a zombie waiting for its parent counts as gone). */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

describe.skipIf(sshdSkipReason())("the local cloud's own SSH exec, on a real sshd", () => {
  let sshd: SshdServer;
  let root: TestUser;
  let instance: LocalEcsInstance;
  let scratch: string;

  beforeAll(async () => {
    sshd = await startSshd();
    root = await sshd.createUser({ privileged: true });
    instance = {
      host: sshd.host,
      port: sshd.port,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      userName: root.name,
      password: root.password,
    };
    scratch = await mkdtemp(join(tmpdir(), "rotor-ssh-exec-"));
  }, 120_000);
  afterAll(async () => {
    await sshd?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("returns the command's stdout, stderr and exit code, run as the instance's login", async () => {
    // Act
    const result = await sshExec(instance, {
      command: 'id -u; echo "to stderr" >&2; exit 3',
      timeoutMs: 30_000,
    });
    // Assess
    expect(result).toEqual({
      stdout: "0\n",
      stderr: "to stderr\n",
      exitCode: 3,
      signal: null,
      timedOut: false,
    });
  });

  it("delivers stdin to the command and closes it", async () => {
    // Prepare: text with quotes, a blank line and no final line break
    const stdin = "first line\n\n'quoted' \"and\" $dollar\nlast";
    // Act
    const result = await sshExec(instance, {
      command: "cat; echo; echo done",
      stdin,
      timeoutMs: 30_000,
    });
    // Assess
    expect(result).toMatchObject({ stdout: `${stdin}\ndone\n`, exitCode: 0 });
  });

  it("reports a command ended by a signal with the signal, not an exit code", async () => {
    // Act
    const result = await sshExec(instance, { command: "kill -TERM $$", timeoutMs: 30_000 });
    // Assess
    expect(result).toMatchObject({ exitCode: null, signal: "SIGTERM", timedOut: false });
  });

  it("kills a command at its timeout, with what it started in other process groups, and says so", async () => {
    // Prepare: `timeout` puts its child in a process group of its own
    const pidFile = join(scratch, "child.pid");
    const command = `echo started; timeout 300 sleep 300 & echo $! > '${pidFile}'; wait`;
    // Act
    const result = await sshExec(instance, { command, timeoutMs: 4_000 });
    // Assess
    expect(result).toMatchObject({
      stdout: "started\n",
      exitCode: null,
      timedOut: true,
    });
    const child = Number(await readFile(pidFile, "utf8"));
    expect(child).toBeGreaterThan(1);
    await expect.poll(() => isRunning(child), { timeout: 10_000 }).toBe(false);
  }, 60_000);

  it("refuses a server whose host key is not the instance's, and runs nothing", async () => {
    // Prepare: a fingerprint of a key the server does not have
    const marker = join(scratch, "ran-on-wrong-host");
    const expected = `SHA256:${"A".repeat(43)}`;
    // Act
    const error = await sshExec(
      { ...instance, hostKeyFingerprint: expected },
      { command: `touch '${marker}'`, timeoutMs: 30_000 },
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(SshExecError);
    expect((error as SshExecError).failure).toBe("host-key-mismatch");
    expect(String(error)).toContain(expected);
    expect(String(error)).toContain(sshd.hostKeyFingerprint);
    expect(String(error)).toContain(`${sshd.host}:${sshd.port}`);
    expect(existsSync(marker)).toBe(false);
  });

  it("says which host and user refused a login, and never the password", async () => {
    // Prepare
    const wrongPassword = `Wrong-${root.password}`;
    // Act
    const error = await sshExec(
      { ...instance, password: wrongPassword },
      { command: "true", timeoutMs: 30_000 },
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(SshExecError);
    expect((error as SshExecError).failure).toBe("login-refused");
    const text = `${String(error)} ${String((error as Error).cause ?? "")}`;
    expect(text).toContain(`${root.name}@${sshd.host}:${sshd.port}`);
    expect(text).toContain("password");
    expect(text).not.toContain(wrongPassword);
    expect(text).not.toContain(root.password);
  });

  it("logs in with a private key, and refuses an unreadable one without quoting it", async () => {
    // Prepare: a key pair, its public half authorized for the login
    const keyFile = join(scratch, "id_ed25519");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "exec-test", "-f", keyFile]);
    const sshDir = join(root.home, ".ssh");
    await mkdir(sshDir, { recursive: true, mode: 0o700 });
    await writeFile(join(sshDir, "authorized_keys"), await readFile(`${keyFile}.pub`), {
      mode: 0o600,
    });
    const privateKey = await readFile(keyFile, "utf8");
    const withKey = { ...instance, password: undefined, privateKey };
    const unreadable = "not-a-key-but-secret-looking-text";
    // Act
    const result = await sshExec(withKey, { command: "echo by key", timeoutMs: 30_000 });
    const error = await sshExec(
      { ...withKey, privateKey: unreadable },
      { command: "true", timeoutMs: 30_000 },
    ).catch((e: unknown) => e);
    // Assess
    expect(result).toMatchObject({ stdout: "by key\n", exitCode: 0 });
    expect((error as SshExecError).failure).toBe("bad-login");
    expect(String(error)).toContain(root.name);
    expect(String(error)).not.toContain(unreadable);
  });

  it("refuses a login record with both or neither of password and private key", async () => {
    // Act
    const neither = await sshExec(
      { ...instance, password: undefined },
      { command: "true", timeoutMs: 30_000 },
    ).catch((e: unknown) => e);
    const both = await sshExec(
      { ...instance, privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----" },
      { command: "true", timeoutMs: 30_000 },
    ).catch((e: unknown) => e);
    // Assess
    for (const error of [neither, both]) {
      expect((error as SshExecError).failure).toBe("bad-login");
      expect(String(error)).toMatch(/exactly one of password and privateKey/);
      expect(String(error)).not.toContain(root.password);
    }
  });

  it("says the instance is unreachable when nothing listens", async () => {
    // Prepare: sshd's port on another loopback address, where nothing listens
    const nowhere = { ...instance, host: "127.0.0.2" };
    // Act
    const error = await sshExec(nowhere, { command: "true", timeoutMs: 30_000 }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect((error as SshExecError).failure).toBe("unreachable");
    expect(String(error)).toContain(`${root.name}@127.0.0.2:${sshd.port}`);
  });
});
