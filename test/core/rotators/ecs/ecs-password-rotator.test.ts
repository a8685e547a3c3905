import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../src/cloud-api/errors.ts";
import { TargetMismatchError } from "../../../../src/core/contract/trust-boundary-errors.ts";
import { generateSshKeyPair } from "../../../../src/core/rotators/ecs/ecs-key-pair.ts";
import { ecsPasswordRotator } from "../../../../src/core/rotators/ecs/ecs-password-rotator.ts";
import { uniqueName } from "../../../support/local-cloud.ts";
import { sshdSkipReason, type TestUser } from "../../../support/sshd.ts";
import { crashAt, useEcsRotationWorld } from "./ecs-rotation-setup.ts";

describe.skipIf(sshdSkipReason())("ecs-password rotator against a real OpenSSH server", () => {
  const world = useEcsRotationWorld();

  /** A user whose password a root login (stored as its own secret) rotates. */
  async function userWithPrivilegedSecret(): Promise<{ user: TestUser; secretName: string }> {
    const w = world();
    const [admin, user] = await Promise.all([
      w.sshd.createUser({ privileged: true }),
      w.sshd.createUser(),
    ]);
    const adminSecret = await w.createSecret("admin", {
      UserName: admin.name,
      Password: admin.password,
    });
    const secretName = await w.createSecret("ecs-password", {
      UserName: user.name,
      Password: user.password,
      privilegedSecret: adminSecret,
    });
    return { user, secretName };
  }

  it("refuses a privileged login that does not name its server, showing the shape; nothing changes", async () => {
    // Prepare: a root login as written before logins carried their server.
    const w = world();
    const [admin, user] = await Promise.all([
      w.sshd.createUser({ privileged: true }),
      w.sshd.createUser(),
    ]);
    const adminSecret = uniqueName("ecs-bare-admin");
    await w.cloud.kms.createSecret({
      secretName: adminSecret,
      versionId: "v0",
      secretData: JSON.stringify({ UserName: admin.name, Password: admin.password }),
    });
    const secretName = await w.createSecret("ecs-password", {
      UserName: user.name,
      Password: user.password,
      privilegedSecret: adminSecret,
    });
    // Act
    const failure = await w
      .engine(ecsPasswordRotator)
      .rotate({ secretName })
      .catch((error: unknown) => error);
    // Assess
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as Error).message).toMatch(/host: .*hostKeyFingerprint: /);
    expect((failure as Error).message).toContain('"hostKeyFingerprint":"SHA256:…"');
    expect(await w.canLogIn(user.name, { password: user.password })).toBe(true);
  }, 120_000);

  it("refuses a privileged login of another server before connecting anywhere", async () => {
    // Prepare: the root login belongs to port + 1; the secret names the sshd's own port.
    const w = world();
    const [admin, user] = await Promise.all([
      w.sshd.createUser({ privileged: true }),
      w.sshd.createUser(),
    ]);
    const adminSecret = await w.createSecret("admin", {
      UserName: admin.name,
      Password: admin.password,
      port: w.sshd.port + 1,
    });
    const secretName = await w.createSecret("ecs-password", {
      UserName: user.name,
      Password: user.password,
      privilegedSecret: adminSecret,
    });
    const calls: string[] = [];
    // Act
    const failure = await w
      .engine(ecsPasswordRotator, { beforeExternalCall: (call) => void calls.push(call.name) })
      .rotate({ secretName })
      .catch((error: unknown) => error);
    // Assess
    expect(failure).toBeInstanceOf(TargetMismatchError);
    expect((failure as Error).message).toContain("(port differs)");
    expect(calls.filter((name) => name.startsWith("ssh."))).toEqual([]);
    expect(await w.canLogIn(user.name, { password: user.password })).toBe(true);
  }, 120_000);

  it("rotates a root login's own password: the new one logs in, the old one no longer does", async () => {
    // Prepare: a uid 0 account may run chpasswd for itself
    const w = world();
    const self = await w.sshd.createUser({ privileged: true });
    const secretName = await w.createSecret("ecs-password", {
      UserName: self.name,
      Password: self.password,
    });
    // Act
    const result = await w.engine(ecsPasswordRotator).rotate({ secretName });
    // Assess
    expect(result.outcome).toBe("rotated");
    const current = await w.valueAt(secretName, "ACSCurrent");
    const previous = await w.valueAt(secretName, "ACSPrevious");
    expect(previous.Password).toBe(self.password);
    expect(current.Password).not.toBe(self.password);
    expect(await w.canLogIn(self.name, { password: current.Password })).toBe(true);
    expect(await w.canLogIn(self.name, { password: self.password })).toBe(false);
    expect(w.logLines.join("\n")).not.toContain(current.Password);
  }, 120_000);

  it("rotates an ordinary user's password twice through a privileged login secret", async () => {
    // Prepare
    const w = world();
    const { user, secretName } = await userWithPrivilegedSecret();
    const engine = w.engine(ecsPasswordRotator);
    // Act
    await engine.rotate({ secretName });
    const first = (await w.valueAt(secretName, "ACSCurrent")).Password as string;
    await engine.rotate({ secretName });
    const second = (await w.valueAt(secretName, "ACSCurrent")).Password as string;
    // Assess
    expect(await w.canLogIn(user.name, { password: second })).toBe(true);
    expect(await w.canLogIn(user.name, { password: first })).toBe(false);
    expect(await w.canLogIn(user.name, { password: user.password })).toBe(false);
    const logs = w.logLines.join("\n");
    for (const password of [user.password, first, second]) expect(logs).not.toContain(password);
  }, 120_000);

  it("refuses a server whose host key is not the pinned one, changing nothing", async () => {
    // Prepare: the secret pins another key's fingerprint
    const w = world();
    const self = await w.sshd.createUser({ privileged: true });
    const ssh2 = (await import("ssh2")).default;
    const { fingerprintOfHostKey } = await import(
      "../../../../src/core/rotators/ecs/ecs-host-key-fingerprint.ts"
    );
    const parsed = ssh2.utils.parseKey(
      (await generateSshKeyPair("ed25519", "elsewhere")).publicKey,
    );
    if (parsed instanceof Error) throw parsed;
    const secretName = await w.createSecret("ecs-password", {
      UserName: self.name,
      Password: self.password,
      hostKeyFingerprint: fingerprintOfHostKey(parsed.getPublicSSH()),
    });
    // Act
    const error = await w
      .engine(ecsPasswordRotator)
      .rotate({ secretName })
      .catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain(w.sshd.hostKeyFingerprint);
    expect(String(error)).toContain("pinned");
    expect(String(error)).not.toContain(self.password);
    expect((await w.valueAt(secretName, "ACSCurrent")).Password).toBe(self.password);
    expect(await w.canLogIn(self.name, { password: self.password })).toBe(true);
  });

  it("refuses a hostile user name up front, naming the field and changing nothing", async () => {
    // Prepare
    const w = world();
    const secretName = await w.createSecret("ecs-password", {
      UserName: "root;touch /tmp/x",
      Password: "Whatever-1",
    });
    // Act
    const error = await w
      .engine(ecsPasswordRotator)
      .rotate({ secretName })
      .catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain("UserName");
    expect(String(error)).not.toContain("Whatever-1");
    const versions = await w.cloud.kms.listSecretVersionIds({
      secretName,
      includeDeprecated: true,
    });
    expect(versions.versions.map((v) => v.versionId)).toEqual(["v0"]);
  });

  /** A uid 0 account whose secret holds its own login: it changes its own password. */
  async function selfRotatingUser(): Promise<{ user: TestUser; secretName: string }> {
    const w = world();
    const user = await w.sshd.createUser({ privileged: true });
    const secretName = await w.createSecret("ecs-password", {
      UserName: user.name,
      Password: user.password,
    });
    return { user, secretName };
  }

  it("resumes a self-changing account after a crash before any external call (login order pending, current, previous)", async () => {
    // Prepare: count the external calls of one clean rotation
    const w = world();
    const probe = await selfRotatingUser();
    const counter = crashAt(0);
    await w
      .engine(ecsPasswordRotator, { beforeExternalCall: counter.hook })
      .rotate({ secretName: probe.secretName });
    expect(counter.calls).toContain("external:ssh.chpasswd");
    // Act: crash before call n, then run again without faults; all n at once
    const outcomes = await Promise.all(
      counter.calls.map(async (_, index) => {
        const { user, secretName } = await selfRotatingUser();
        const crash = crashAt(index + 1);
        const crashed = await w
          .engine(ecsPasswordRotator, { beforeExternalCall: crash.hook })
          .rotate({ secretName })
          .then(
            () => "no crash",
            (e: unknown) => String(e),
          );
        await w.engine(ecsPasswordRotator, { afterLease: true }).rotate({ secretName });
        const current = (await w.valueAt(secretName, "ACSCurrent")).Password as string;
        return {
          crashedAt: crash.calls[index],
          crashed,
          rotated: current !== user.password,
          newWorks: await w.canLogIn(user.name, { password: current }),
          oldWorks: await w.canLogIn(user.name, { password: user.password }),
        };
      }),
    );
    // Assess
    for (const outcome of outcomes) {
      expect(outcome, outcome.crashedAt).toMatchObject({
        rotated: true,
        newWorks: true,
        oldWorks: false,
      });
    }
    // Some crashes do not stop the run (the engine retries testSecret); a
    // crash at the password change itself must.
    const atChange = outcomes.find((o) => o.crashedAt === "external:ssh.chpasswd");
    expect(atChange?.crashed).toContain("injected crash");
  }, 240_000);

  // Last: it changes the server's host key under every secret of this suite.
  it("stops a rotation once the server's host key has changed, leaving ACSCurrent and the password as they were", async () => {
    // Prepare: a secret that rotated fine against the original key
    const w = world();
    const { user, secretName } = await selfRotatingUser();
    await w.engine(ecsPasswordRotator).rotate({ secretName });
    const before = await w.cloud.kms.getSecretValue({ secretName });
    const password = (JSON.parse(before.secretData) as { Password: string }).Password;
    const pinned = w.sshd.hostKeyFingerprint;
    const changed = await w.sshd.replaceHostKey();
    // Act
    const error = await w
      .engine(ecsPasswordRotator)
      .rotate({ secretName })
      .catch((e: unknown) => e);
    // Assess
    expect(String(error)).toContain(`is ${changed}, but ${pinned} is pinned`);
    expect(String(error)).not.toContain(password);
    expect((await w.cloud.kms.getSecretValue({ secretName })).versionId).toBe(before.versionId);
    expect(await w.canLogIn(user.name, { password })).toBe(true);
  }, 120_000);
});
