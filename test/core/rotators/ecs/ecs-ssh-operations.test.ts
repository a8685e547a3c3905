import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, lstat, mkdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../../../src/cloud-api/errors.ts";
import { parseAccountName } from "../../../../src/core/rotators/ecs/ecs-account-name.ts";
import {
  withKey,
  withoutRotationKeys,
} from "../../../../src/core/rotators/ecs/ecs-authorized-keys.ts";
import { generateSshKeyPair } from "../../../../src/core/rotators/ecs/ecs-key-pair.ts";
import { changePassword } from "../../../../src/core/rotators/ecs/ecs-password-change.ts";
import { editAuthorizedKeys } from "../../../../src/core/rotators/ecs/ecs-remote-authorized-keys.ts";
import {
  EcsCommandError,
  EcsHostKeyMismatchError,
} from "../../../../src/core/rotators/ecs/ecs-ssh-errors.ts";
import {
  canLogIn,
  type SshLogin,
  withSshSession,
} from "../../../../src/core/rotators/ecs/ecs-ssh-session.ts";
import {
  type SshdServer,
  sshdSkipReason,
  startSshd,
  type TestUser,
} from "../../../support/sshd.ts";

describe.skipIf(sshdSkipReason())("SSH operations against a real OpenSSH server", () => {
  let sshd: SshdServer;
  let admin: TestUser;
  let user: TestUser;

  const loginAs = (
    who: TestUser,
    credential: { password?: string; privateKey?: string },
  ): SshLogin => ({
    host: sshd.host,
    port: sshd.port,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
    userName: who.name,
    ...credential,
  });

  beforeAll(async () => {
    sshd = await startSshd();
    admin = await sshd.createUser({ privileged: true });
    user = await sshd.createUser();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("logs in when the host key matches the pinned fingerprint", async () => {
    // Act
    const name = await withSshSession(loginAs(user, { password: user.password }), async (s) =>
      s.run("id -un"),
    );
    // Assess
    expect(name.stdout.trim()).toBe(user.name);
    expect(name.exitCode).toBe(0);
  });

  it("refuses a server whose host key differs from the pinned one, before sending the password", async () => {
    // Prepare: the fingerprint of some other host's key
    const other = await generateSshKeyPair("ed25519", "other-host");
    const { fingerprintOfHostKey } = await import(
      "../../../../src/core/rotators/ecs/ecs-host-key-fingerprint.ts"
    );
    const ssh2 = (await import("ssh2")).default;
    const parsed = ssh2.utils.parseKey(other.publicKey);
    if (parsed instanceof Error) throw parsed;
    const pinned = fingerprintOfHostKey(parsed.getPublicSSH());
    // Act
    const attempt = canLogIn({
      ...loginAs(user, { password: user.password }),
      hostKeyFingerprint: pinned,
    });
    // Assess
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EcsHostKeyMismatchError);
    expect(String((error as Error).message)).toContain(sshd.hostKeyFingerprint);
    expect(String((error as Error).message)).not.toContain(user.password);
  });

  it("tells a refused password apart from a working one", async () => {
    expect(await canLogIn(loginAs(user, { password: `${user.password}x` }))).toBe(false);
    expect(await canLogIn(loginAs(user, { password: user.password }))).toBe(true);
  });

  it("changes a password with chpasswd from a root login, even one full of shell syntax", async () => {
    // Prepare
    const target = await sshd.createUser();
    const marker = join("/tmp", `rotor-injected-${randomBytes(4).toString("hex")}`);
    const hostile = `a'b"c $(touch ${marker}) \`touch ${marker}\`; touch ${marker} :x:\\ %s|&<>*`;
    // Act
    await withSshSession(loginAs(admin, { password: admin.password }), (s) =>
      changePassword(s, target.name, hostile),
    );
    // Assess
    expect(await canLogIn(loginAs(target, { password: hostile }))).toBe(true);
    expect(await canLogIn(loginAs(target, { password: target.password }))).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it("explains that a non-root login cannot run chpasswd, without the password in the error", async () => {
    // Prepare
    const target = await sshd.createUser();
    const newPassword = `New-${randomBytes(9).toString("hex")}`;
    // Act
    const error = await withSshSession(loginAs(target, { password: target.password }), (s) =>
      changePassword(s, target.name, newPassword),
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(EcsCommandError);
    expect((error as Error).message).toContain("privileged login");
    expect((error as Error).message).not.toContain(newPassword);
    expect(await canLogIn(loginAs(target, { password: target.password }))).toBe(true);
  });

  it("refuses user names and passwords that could break out of chpasswd's input", async () => {
    for (const name of ["root;id", "a b", "x:y", "$(id)", "-rf", "a\nb", ""]) {
      expect(() => parseAccountName(name, "UserName")).toThrow(ValidationError);
    }
    const error = await withSshSession(loginAs(admin, { password: admin.password }), (s) =>
      changePassword(s, user.name, "line1\nroot:owned"),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).not.toContain("owned");
    expect(await canLogIn(loginAs(user, { password: user.password }))).toBe(true);
  });

  it.each([
    ["ed25519", "the user's own login"],
    ["rsa-3072", "a root login through runuser"],
  ] as const)(
    "adds an %s key through %s, keeping other lines, modes and owner",
    async (algorithm, through) => {
      // Prepare: a user with a hand-written key line that must survive
      const target = await sshd.createUser();
      const foreign = await generateSshKeyPair("ed25519", "hand-added");
      const sshDir = join(target.home, ".ssh");
      await mkdir(sshDir, { mode: 0o700 });
      await writeFile(join(sshDir, "authorized_keys"), `# my keys\n${foreign.publicKey}\n`, {
        mode: 0o600,
      });
      await chown(sshDir, target.uid, target.gid);
      await chown(join(sshDir, "authorized_keys"), target.uid, target.gid);
      const pair = await generateSshKeyPair(algorithm, "rotor:Secret:v1");
      const via = through === "a root login through runuser" ? admin : target;
      // Act: twice, as a retried step would
      const changed = await withSshSession(loginAs(via, { password: via.password }), async (s) => [
        await editAuthorizedKeys(s, target.name, (c) => withKey(c, pair.publicKey)),
        await editAuthorizedKeys(s, target.name, (c) => withKey(c, pair.publicKey)),
      ]);
      // Assess
      expect(changed).toEqual([true, false]);
      const file = join(sshDir, "authorized_keys");
      expect(await readFile(file, "utf8")).toBe(
        `# my keys\n${foreign.publicKey}\n${pair.publicKey}\n`,
      );
      const info = await stat(file);
      expect(info.mode & 0o777).toBe(0o600);
      expect([info.uid, info.gid]).toEqual([target.uid, target.gid]);
      expect(await canLogIn(loginAs(target, { privateKey: pair.privateKey }))).toBe(true);
      expect(await canLogIn(loginAs(target, { privateKey: foreign.privateKey }))).toBe(true);
    },
  );

  it("creates ~/.ssh with mode 0700 owned by the user when missing, then removes only rotation keys", async () => {
    // Prepare
    const target = await sshd.createUser();
    const first = await generateSshKeyPair("ed25519", "rotor:Secret:v1");
    const second = await generateSshKeyPair("ed25519", "rotor:Secret:v2");
    const otherOwner = await generateSshKeyPair("ed25519", "rotor:OtherSecret:v1");
    // Act
    await withSshSession(loginAs(admin, { password: admin.password }), async (s) => {
      for (const pair of [first, second, otherOwner]) {
        await editAuthorizedKeys(s, target.name, (c) => withKey(c, pair.publicKey));
      }
      await editAuthorizedKeys(s, target.name, (c) =>
        withoutRotationKeys(c, "Secret", new Set(["v2"])),
      );
    });
    // Assess
    const dir = await stat(join(target.home, ".ssh"));
    expect(dir.mode & 0o777).toBe(0o700);
    expect(dir.uid).toBe(target.uid);
    expect(await canLogIn(loginAs(target, { privateKey: first.privateKey }))).toBe(false);
    expect(await canLogIn(loginAs(target, { privateKey: second.privateKey }))).toBe(true);
    expect(await canLogIn(loginAs(target, { privateKey: otherOwner.privateKey }))).toBe(true);
  });

  it("refuses to follow an authorized_keys that is a symbolic link", async () => {
    // Prepare: a link to a file the user must not get written into
    const target = await sshd.createUser();
    const sshDir = join(target.home, ".ssh");
    await mkdir(sshDir, { mode: 0o700 });
    await chown(sshDir, target.uid, target.gid);
    const elsewhere = join(target.home, "elsewhere");
    await writeFile(elsewhere, "untouched\n");
    await symlink(elsewhere, join(sshDir, "authorized_keys"));
    const pair = await generateSshKeyPair("ed25519", "rotor:Secret:v1");
    // Act
    const error = await withSshSession(loginAs(admin, { password: admin.password }), (s) =>
      editAuthorizedKeys(s, target.name, (c) => withKey(c, pair.publicKey)),
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(EcsCommandError);
    expect((error as Error).message).toContain("symbolic link");
    expect(await readFile(elsewhere, "utf8")).toBe("untouched\n");
    expect((await lstat(join(sshDir, "authorized_keys"))).isSymbolicLink()).toBe(true);
    await rm(elsewhere);
  });
});
