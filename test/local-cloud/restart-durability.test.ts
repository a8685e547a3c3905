/**
 * Durability: state and credentials survive a restart (in-process and the
 * CLI), a SIGKILL in the middle of a burst of writes loses no acknowledged
 * write and leaves no torn state, and nothing on disk gives a secret away.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../../src/cloud-api/errors.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { uniqueName } from "../support/local-cloud.ts";
import { type CliCloud, readAccount, startCliCloud } from "./support/cli-cloud.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempStateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rotor-durability-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

async function cliCloud(stateDir: string): Promise<CliCloud> {
  const cloud = await startCliCloud(stateDir);
  cleanups.push(() => cloud.stop("SIGKILL"));
  return cloud;
}

async function clientFor(endpoint: string, stateDir: string, retries = 1): Promise<KmsClient> {
  const { accessKeyId, accessKeySecret } = await readAccount(stateDir);
  return new KmsClient({
    endpoint,
    credentials: { accessKeyId, accessKeySecret },
    retry: { attempts: retries },
    timeoutMs: 30_000,
  });
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("the local cloud's state survives restarts", () => {
  it("keeps secrets, versions, stages, tags and the root key across an in-process restart", async () => {
    const stateDir = await tempStateDir();
    const first = await startLocalCloud({ stateDir });
    const kms1 = new KmsClient({ endpoint: first.endpoint, credentials: first.credentials });
    await kms1.createSecret({
      secretName: "app/db",
      secretData: "one",
      versionId: "v1",
      tags: [{ key: "team", value: "db" }],
    });
    await kms1.putSecretValue({ secretName: "app/db", secretData: "two", versionId: "v2" });
    await kms1.putSecretValue({
      secretName: "app/db",
      secretData: "three",
      versionId: "v3",
      versionStages: ["ACSPending"],
    });
    await first.close();

    const second = await startLocalCloud({ stateDir });
    cleanups.push(() => second.close());
    const kms2 = new KmsClient({ endpoint: second.endpoint, credentials: first.credentials });
    const { versions } = await kms2.listSecretVersionIds({ secretName: "app/db" });
    const described = await kms2.describeSecret({ secretName: "app/db", fetchTags: true });

    expect(second.credentials).toEqual(first.credentials);
    expect(second.accountId).toBe(first.accountId);
    expect(versions.map((v) => [v.versionId, v.versionStages])).toEqual([
      ["v1", ["ACSPrevious"]],
      ["v2", ["ACSCurrent"]],
      ["v3", ["ACSPending"]],
    ]);
    expect((await kms2.getSecretValue({ secretName: "app/db" })).secretData).toBe("two");
    expect(described.tags).toEqual([{ key: "team", value: "db" }]);
  });

  it("the CLI prints its endpoint and credentials file, and keeps both across a restart", async () => {
    const stateDir = await tempStateDir();
    const first = await cliCloud(stateDir);
    const kms1 = await clientFor(first.endpoint, stateDir);
    await kms1.createSecret({ secretName: "cli-secret", secretData: "kept", versionId: "v1" });
    const firstAccount = await readAccount(stateDir);
    const exitCode = await first.stop("SIGTERM");

    const second = await cliCloud(stateDir);
    const kms2 = await clientFor(second.endpoint, stateDir);

    expect(first.startupLines[0]).toMatch(
      /^rotor local-cloud listening on http:\/\/127\.0\.0\.1:\d+$/,
    );
    expect(first.startupLines).toContain(`credentials: ${join(stateDir, "account.json")}`);
    expect(first.startupLines.join("\n")).not.toContain(firstAccount.accessKeySecret);
    expect(exitCode).toBe(0);
    expect(await readAccount(stateDir)).toEqual(firstAccount);
    expect((await kms2.getSecretValue({ secretName: "cli-secret" })).secretData).toBe("kept");
  });

  it("a SIGKILL in a burst of writes loses no acknowledged write and leaves no torn state", async () => {
    const stateDir = await tempStateDir();
    const first = await cliCloud(stateDir);
    const kms = await clientFor(first.endpoint, stateDir);
    const acknowledged: { secretName: string; versionId: string; data: string }[] = [];
    const runId = uniqueName("burst");
    const KILL_AFTER = 120;
    let killed: Promise<number | null> | undefined;

    // Each worker writes its own secrets: a CreateSecret, then PutSecretValues
    // (at most 8, so the 10-version cap never drops an acknowledged version).
    const worker = async (workerId: number) => {
      for (let secret = 0; ; secret++) {
        const secretName = `${runId}/w${workerId}/s${secret}`;
        for (let version = 1; version <= 9; version++) {
          const versionId = `v${version}`;
          const data = `value-${workerId}-${secret}-${version}`;
          try {
            if (version === 1) await kms.createSecret({ secretName, secretData: data, versionId });
            else await kms.putSecretValue({ secretName, secretData: data, versionId });
          } catch (error) {
            if (error instanceof NetworkError && killed) return;
            throw error;
          }
          acknowledged.push({ secretName, versionId, data });
          if (acknowledged.length >= KILL_AFTER && !killed) killed = first.stop("SIGKILL");
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, id) => worker(id)));
    expect(await killed).toBe(null);

    const second = await cliCloud(stateDir);
    const after = await clientFor(second.endpoint, stateDir, 3);
    const missing: string[] = [];
    for (const write of acknowledged) {
      try {
        const value = await after.getSecretValue({
          secretName: write.secretName,
          versionId: write.versionId,
        });
        if (value.secretData !== write.data) missing.push(`${write.secretName}@${write.versionId}`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        missing.push(`${write.secretName}@${write.versionId}: ${error.code}`);
      }
    }
    const leftovers = (await filesUnder(stateDir)).filter((file) => file.endsWith(".tmp"));

    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(missing).toEqual([]);
    expect(leftovers).toEqual([]);
  });

  it("keeps master.key private and no secret value in plain text on disk", async () => {
    const stateDir = await tempStateDir();
    const cloud = await startLocalCloud({ stateDir });
    cleanups.push(() => cloud.close());
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const marker = `needle-${uniqueName("plain")}`;
    await kms.createSecret({ secretName: "plain-check", secretData: marker, versionId: "v1" });
    await kms.putSecretValue({
      secretName: "plain-check",
      secretData: JSON.stringify({ AccountPassword: marker }),
      versionId: "v2",
    });

    const keyMode = (await stat(join(stateDir, "master.key"))).mode & 0o777;
    const files = await filesUnder(stateDir);
    const holding: string[] = [];
    for (const file of files) {
      const bytes = await readFile(file);
      if (bytes.includes(marker) || bytes.includes(Buffer.from(marker).toString("base64"))) {
        holding.push(file);
      }
    }

    expect(keyMode).toBe(0o600);
    expect(files.some((file) => file.endsWith(".rec"))).toBe(true);
    expect(holding).toEqual([]);
  });
});
