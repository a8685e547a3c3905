/**
 * The leak scanner itself: it must find a leaked secret (raw or escaped in
 * JSON) and say where without saying what, and stay quiet when nothing
 * leaked. The end-to-end case goes through a real local cloud's ledger.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { describeHits, readLedger, scanCaptures } from "./leak-scanner.ts";

const folders: string[] = [];
async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "rotor-leak-scanner-test-"));
  folders.push(folder);
  return folder;
}
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** A value no other test will ever print, built at run time. */
const freshSecret = () => `pw-${randomBytes(12).toString("hex")}`;

async function prepareScan(secret: string, captureText: string) {
  const folder = await tempFolder();
  const ledgerFile = join(folder, "ledger.jsonl");
  const captureDir = join(folder, "captures");
  await writeFile(ledgerFile, `${JSON.stringify("short")}\n${JSON.stringify(secret)}\n`);
  await import("node:fs/promises").then((fs) => fs.mkdir(captureDir));
  await writeFile(join(captureDir, "worker-1.log"), captureText);
  return { ledgerFile, captureDir };
}

describe("leak scanner", () => {
  it("finds a raw secret and names its file, line and ledger line, never the value", async () => {
    // Prepare
    const secret = freshSecret();
    const { ledgerFile, captureDir } = await prepareScan(
      secret,
      `clean line\nanother clean line\nconnecting with ${secret} now\n`,
    );
    // Act
    const hits = scanCaptures(captureDir, readLedger(ledgerFile));
    const report = describeHits(hits, ledgerFile);
    // Assess
    expect(hits).toEqual([{ file: join(captureDir, "worker-1.log"), line: 3, ledgerLine: 2 }]);
    expect(report).toContain("worker-1.log:3");
    expect(report).not.toContain(secret);
  });

  it("finds a secret escaped inside a JSON log line", async () => {
    // Prepare
    const secret = `a"b\\c-${randomBytes(6).toString("hex")}`;
    const { ledgerFile, captureDir } = await prepareScan(
      secret,
      `${JSON.stringify({ event: "oops", detail: secret })}\n`,
    );
    // Act
    const hits = scanCaptures(captureDir, readLedger(ledgerFile));
    // Assess
    expect(hits.map((hit) => hit.line)).toEqual([1]);
  });

  it("reports nothing when no value leaked and ignores values under 8 characters", async () => {
    // Prepare: "short" is in the ledger and in the output, but too short to scan
    const { ledgerFile, captureDir } = await prepareScan(freshSecret(), "short\nnothing here\n");
    // Act
    const hits = scanCaptures(captureDir, readLedger(ledgerFile));
    // Assess
    expect(hits).toEqual([]);
  });

  it("catches a value the local cloud stored, issued or generated once it is printed", async () => {
    // Prepare: a cloud writing its ledger to a folder of this test only
    const folder = await tempFolder();
    const ledgerFile = join(folder, "ledger.jsonl");
    const captureDir = join(folder, "captures");
    await import("node:fs/promises").then((fs) => fs.mkdir(captureDir));
    const cloud = await startLocalCloud({ port: 0, secretLedgerFile: ledgerFile });
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const password = freshSecret();
    try {
      await kms.createSecret({
        secretName: `leak-scan-${randomBytes(4).toString("hex")}`,
        secretData: JSON.stringify({
          AccountName: "app_user_name",
          AccountPassword: password,
          masterSecret: "shop/master-account",
          privilegedSecret: "shop/root-login-of-web-1",
        }),
        versionId: "v1",
      });
      const { randomPassword } = await kms.getRandomPassword({ length: 24 });
      // Act: one capture prints the stored password, another the generated one
      await writeFile(
        join(captureDir, "a.log"),
        `login failed for app_user_name with ${password}\n`,
      );
      await writeFile(join(captureDir, "b.log"), `generated ${randomPassword}\n`);
      await writeFile(join(captureDir, "c.log"), "login failed for app_user_name\n");
      const hits = scanCaptures(captureDir, readLedger(ledgerFile));
      // Assess: both leaks found; the account name and the master secret's name are not secrets
      expect(hits.map((hit) => hit.file)).toEqual([
        join(captureDir, "a.log"),
        join(captureDir, "b.log"),
      ]);
      const ledger = await readFile(ledgerFile, "utf8");
      expect(ledger).toContain(JSON.stringify(password));
      expect(ledger).toContain(JSON.stringify(cloud.credentials.accessKeySecret));
      expect(ledger).not.toContain("app_user_name");
      expect(ledger).not.toContain("shop/master-account");
      expect(ledger).not.toContain("shop/root-login-of-web-1");
    } finally {
      await cloud.close();
    }
  });
});
