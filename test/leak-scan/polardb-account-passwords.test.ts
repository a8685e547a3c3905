/**
 * The leak scan covers PolarDB account passwords: every password a PolarDB
 * action of the local cloud set (CreateAccount's AccountPassword,
 * ModifyAccountPassword's NewAccountPassword) is in the ledger, so one that
 * reaches a log line, an error or command output fails the run. The
 * account's name is not a secret and stays out of the ledger.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolarDbClient } from "../../src/cloud-api/polardb-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { polarDbAccountName, polarDbPassword } from "../local-cloud/polardb/local-polardb-world.ts";
import { mariaDbBacking } from "../local-cloud/rds/rds-backing-servers.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { readLedger, scanCaptures } from "./leak-scanner.ts";

describe.skipIf(skipUnlessMariaDb())("leak scan of PolarDB account passwords", () => {
  let folder: string;
  let mariadb: RunningMariaDb;
  let cloud: RunningLocalCloud;
  const clusterId = `pc-leak${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "rotor-leak-polardb-"));
    mariadb = await startMariaDb();
    cloud = await startLocalCloud({
      port: 0,
      secretLedgerFile: join(folder, "ledger.jsonl"),
      polardbClusters: { [clusterId]: { ...mariaDbBacking(mariadb).instance, engine: "MySQL" } },
    });
  }, 120_000);
  afterAll(async () => {
    await cloud?.close();
    await mariadb?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it("catches a password CreateAccount or ModifyAccountPassword set once it is printed", async () => {
    // Prepare
    const polardb = new PolarDbClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const accountName = polarDbAccountName();
    const created = polarDbPassword();
    const modified = polarDbPassword();
    await polardb.createAccount({
      dbClusterId: clusterId,
      accountName,
      accountPassword: created,
      accountType: "Normal",
    });
    await polardb.modifyAccountPassword({
      dbClusterId: clusterId,
      accountName,
      newAccountPassword: modified,
    });
    const captureDir = join(folder, "captures");
    await mkdir(captureDir);
    // Act: one capture prints each password, a third only the account's name
    await writeFile(join(captureDir, "a.log"), `created ${accountName} with ${created}\n`);
    await writeFile(join(captureDir, "b.log"), `${JSON.stringify({ password: modified })}\n`);
    await writeFile(join(captureDir, "c.log"), `rotated ${accountName}\n`);
    const hits = scanCaptures(captureDir, readLedger(join(folder, "ledger.jsonl")));
    // Assess
    expect(hits.map((hit) => hit.file).sort()).toEqual([
      join(captureDir, "a.log"),
      join(captureDir, "b.log"),
    ]);
    const ledger = await readFile(join(folder, "ledger.jsonl"), "utf8");
    expect(ledger).not.toContain(accountName);
  }, 60_000);
});
