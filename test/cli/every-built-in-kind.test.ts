/**
 * `rotor rotate`, `rotor rotate --tag … --emergency` and `rotor cancel`
 * through the CLI for every built-in rotator kind, on the real targets:
 * MariaDB and PostgreSQL (single-user accounts), a redis-server (a
 * single-user ACL user), an sshd (a login's password and SSH key) and the
 * local cloud's RAM (an AccessKey). The CLI builds its
 * rotators from the registry, so a kind missing there fails here.
 */
import { randomUUID } from "node:crypto";
import { chown, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../src/cloud-api/sts-client.ts";
import { generateSshKeyPair } from "../../src/core/rotators/ecs/ecs-key-pair.ts";
import { BUILT_IN_ROTATORS } from "../../src/core/rotators/registry.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { canLogin, createApplicationAccount } from "../core/rotators/database/database-fixtures.ts";
import { createRamUserSecret } from "../core/rotators/ram-access-key/ram-user-secret.ts";
import { createApplicationUser } from "../core/rotators/redis/redis-fixtures.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type RunningPostgres, skipUnlessPostgres, startPostgres } from "../support/postgres.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../support/redis.ts";
import { type SshdServer, sshdSkipReason, startSshd } from "../support/sshd.ts";
import { sshdLoginCheck } from "../support/sshd-login-check.ts";

type Value = Record<string, string>;

/** One secret of one kind on its real target, and how to tell whether a value of it works there. */
interface KindCase {
  kind: string;
  secretName: string;
  /** True when the target accepts the value; undefined for a kind without a target. */
  works(value: string): Promise<boolean | undefined>;
}

const skipMariaDb = skipUnlessMariaDb();
const skipPostgres = await skipUnlessPostgres();
const skipSshd = sshdSkipReason() !== undefined;
const skipRedis = skipUnlessRedis();

describe.skipIf(skipMariaDb || skipPostgres || skipSshd || skipRedis)(
  "every built-in kind through the CLI",
  () => {
    let cloud: RunningLocalCloud;
    let kms: KmsClient;
    let mariadb: RunningMariaDb;
    let postgres: RunningPostgres;
    let sshd: SshdServer;
    let redis: RunningRedis;
    let env: Record<string, string>;
    /** The local cloud's clock runs this far from the real one (to leave an old rotation behind). */
    let clockOffset = 0;

    beforeAll(async () => {
      [cloud, mariadb, postgres, sshd, redis] = await Promise.all([
        startLocalCloud({ now: () => Date.now() + clockOffset }),
        startMariaDb(),
        startPostgres(),
        startSshd(),
        startRedis({ adminUser: "admin" }),
      ]);
      kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      env = {
        ROTOR_ENDPOINT: cloud.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
        ALIBABA_CLOUD_REGION_ID: cloud.region,
      };
      // The RAM rotator's clients find their endpoint in the process's environment.
      vi.stubEnv("ROTOR_ENDPOINT", cloud.endpoint);
    });
    afterAll(async () => {
      vi.unstubAllEnvs();
      await Promise.all([
        cloud?.close(),
        mariadb?.stop(),
        postgres?.stop(),
        sshd?.stop(),
        redis?.stop(),
      ]);
    });

    async function rotor(...args: string[]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
      return { code, out: out.join("\n"), err: err.join("\n") };
    }

    async function storeSecret(kind: string, value: unknown, leak: string): Promise<string> {
      const secretName = `every-kind/${kind}/${randomUUID().slice(0, 8)}`;
      await kms.createSecret({
        secretName,
        versionId: "v0",
        secretData: typeof value === "string" ? value : JSON.stringify(value),
        tags: [
          { key: "rotor:rotator", value: kind },
          { key: "leak", value: leak },
        ],
      });
      return secretName;
    }

    /** A secret of every built-in kind, each on its own account or user, all tagged leak=<leak>. */
    async function everyKind(leak = randomUUID().slice(0, 8)): Promise<KindCase[]> {
      const canLogInOverSsh = sshdLoginCheck(sshd);
      const cases: KindCase[] = [];
      cases.push({
        kind: "generic",
        secretName: await storeSecret("generic", "every-kind-initial-text", leak),
        works: async () => undefined,
      });
      for (const [engine, server] of [
        ["mysql", mariadb],
        ["postgres", postgres],
      ] as const) {
        const target =
          engine === "mysql" ? { engine, server: mariadb } : { engine, server: postgres };
        const account = await createApplicationAccount(target);
        cases.push({
          kind: engine,
          secretName: await storeSecret(
            engine,
            { ...account, host: server.host, port: server.port },
            leak,
          ),
          works: (data) => {
            const value = JSON.parse(data) as Value;
            return canLogin(target, value.AccountName as string, value.AccountPassword as string);
          },
        });
      }
      const redisUser = await createApplicationUser(redis);
      cases.push({
        kind: "redis",
        secretName: await storeSecret("redis", redisUser, leak),
        works: (data) => {
          const value = JSON.parse(data) as Value;
          return redis.canLogin(value.AccountName as string, value.AccountPassword as string);
        },
      });
      const passwordUser = await sshd.createUser({ privileged: true });
      cases.push({
        kind: "ecs-password",
        secretName: await storeSecret(
          "ecs-password",
          {
            host: sshd.host,
            port: sshd.port,
            hostKeyFingerprint: sshd.hostKeyFingerprint,
            UserName: passwordUser.name,
            Password: passwordUser.password,
          },
          leak,
        ),
        works: (data) =>
          canLogInOverSsh(passwordUser.name, { password: (JSON.parse(data) as Value).Password }),
      });
      const keyUser = await sshd.createUser();
      const initialKey = await generateSshKeyPair("ed25519", "installed-by-hand");
      const sshDir = join(keyUser.home, ".ssh");
      await mkdir(sshDir, { mode: 0o700 });
      await writeFile(join(sshDir, "authorized_keys"), `${initialKey.publicKey}\n`, {
        mode: 0o600,
      });
      await chown(sshDir, keyUser.uid, keyUser.gid);
      await chown(join(sshDir, "authorized_keys"), keyUser.uid, keyUser.gid);
      cases.push({
        kind: "ecs-ssh-key",
        secretName: await storeSecret(
          "ecs-ssh-key",
          {
            host: sshd.host,
            port: sshd.port,
            hostKeyFingerprint: sshd.hostKeyFingerprint,
            UserName: keyUser.name,
            PublicKey: initialKey.publicKey,
            PrivateKey: initialKey.privateKey,
          },
          leak,
        ),
        works: (data) =>
          canLogInOverSsh(keyUser.name, { privateKey: (JSON.parse(data) as Value).PrivateKey }),
      });
      const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
      const { secretName: ramSecret } = await createRamUserSecret(
        { ram, kms },
        {
          userPrefix: "every-kind-",
          secretPrefix: "every-kind/ram-access-key/",
          tags: { leak },
        },
      );
      cases.push({
        kind: "ram-access-key",
        secretName: ramSecret,
        works: async (data) => {
          const value = JSON.parse(data) as Value;
          const sts = new StsClient({
            endpoint: cloud.endpoint,
            credentials: {
              accessKeyId: value.AccessKeyId as string,
              accessKeySecret: value.AccessKeySecret as string,
            },
            retry: { attempts: 1 },
          });
          return sts.getCallerIdentity().then(
            () => true,
            () => false,
          );
        },
      });
      return cases;
    }

    const current = (secretName: string) => kms.getSecretValue({ secretName });

    async function stagesOf(secretName: string): Promise<string[]> {
      const { versions } = await kms.listSecretVersionIds({ secretName });
      return versions.flatMap((version) => version.versionStages).sort();
    }

    it("rotor rotate rotates a secret of every kind on its target", async () => {
      // Prepare
      const cases = await everyKind();
      // Act
      const results = [];
      for (const c of cases)
        results.push({ c, run: await rotor("rotate", c.secretName, "--json") });
      // Assess
      for (const { c, run } of results) {
        expect({ kind: c.kind, code: run.code, err: run.err }).toEqual({
          kind: c.kind,
          code: 0,
          err: "",
        });
        expect(JSON.parse(run.out)).toMatchObject({ outcome: "rotated" });
        const now = await current(c.secretName);
        expect(now.versionId).not.toMatch(/^v\d$/);
        expect(await c.works(now.secretData)).not.toBe(false);
        expect(await stagesOf(c.secretName)).toEqual(["ACSCurrent", "ACSPrevious"]);
      }
      expect(cases.map((c) => c.kind).sort()).toEqual(Object.keys(BUILT_IN_ROTATORS).sort());
    });

    it("rotor rotate --tag … --emergency rotates every kind carrying the tag and revokes what leaked", async () => {
      // Prepare
      const leak = `emergency-${randomUUID().slice(0, 8)}`;
      const cases = await everyKind(leak);
      const leaked = new Map<string, string>();
      for (const c of cases) leaked.set(c.kind, (await current(c.secretName)).secretData);
      // Act
      const run = await rotor("rotate", "--tag", `leak=${leak}`, "--emergency", "--json");
      // Assess
      const summary = JSON.parse(run.out) as {
        total: number;
        failed: number;
        results: { secretName: string; outcome: string; error?: string }[];
      };
      expect(summary.results.filter((result) => result.outcome === "failed")).toEqual([]);
      expect(run.code).toBe(0);
      expect(summary.total).toBe(cases.length);
      for (const c of cases) {
        expect(summary.results.find((r) => r.secretName === c.secretName)?.outcome).toBe("rotated");
        const now = await current(c.secretName);
        expect(now.secretData).not.toBe(leaked.get(c.kind));
        expect(await c.works(now.secretData)).not.toBe(false);
        expect(await c.works(leaked.get(c.kind) as string)).not.toBe(true);
        const { tags } = await kms.describeSecret({ secretName: c.secretName, fetchTags: true });
        expect(tags.map((tag) => tag.key)).not.toContain("rotor:revoke-pending");
      }
    });

    it("rotor cancel clears a stuck rotation of every kind; ACSCurrent stays and works", async () => {
      // Prepare: each rotation stored its pending version an hour ago, then stopped.
      const cases = await everyKind();
      const before = new Map<string, string>();
      for (const c of cases) before.set(c.kind, (await current(c.secretName)).versionId);
      const tokens = new Map<string, string>();
      clockOffset = -60 * 60 * 1000;
      try {
        for (const c of cases) {
          const created = await rotor("rotate", c.secretName, "--step", "createSecret", "--json");
          expect({ kind: c.kind, code: created.code, err: created.err }).toEqual({
            kind: c.kind,
            code: 0,
            err: "",
          });
          tokens.set(c.kind, (JSON.parse(created.out) as { versionId: string }).versionId);
        }
      } finally {
        clockOffset = 0;
      }
      // Act
      const runs = [];
      for (const c of cases) runs.push({ c, run: await rotor("cancel", c.secretName, "--json") });
      // Assess
      for (const { c, run } of runs) {
        expect({ kind: c.kind, code: run.code, err: run.err }).toEqual({
          kind: c.kind,
          code: 0,
          err: "",
        });
        expect(JSON.parse(run.out)).toEqual({
          secretName: c.secretName,
          cancelledVersionId: tokens.get(c.kind),
        });
        expect(await stagesOf(c.secretName)).toEqual(["ACSCurrent"]);
        const now = await current(c.secretName);
        expect(now.versionId).toBe(before.get(c.kind));
        expect(await c.works(now.secretData)).not.toBe(false);
      }
    });
  },
);
