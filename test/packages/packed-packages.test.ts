/**
 * Every Rotor package works installed from its tarball, without the
 * repository: built JavaScript and declarations only, on plain Node 20 with
 * no tsx. The `rotor` command runs, carries the policy templates (copies of
 * templates/, the only source) and serves the built-in functions of the
 * installed @rotor/core on its local cloud; an application reads a secret
 * with @rotor/client.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/build/bundle-functions.ts";
import { policyTemplateFiles } from "../../scripts/build/cli-policy-templates.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { type CliCloud, readAccount, startCliCloud } from "../local-cloud/support/cli-cloud.ts";
import { installPackedPackages, type PackedInstall } from "./support/packed-install.ts";

const PACKAGES = [
  "@rotor/client",
  "@rotor/cloud-api",
  "@rotor/core",
  "@rotor/local-cloud",
  "@rotor/testing",
  "rotor",
];

describe("the packages installed from their tarballs", () => {
  let install: PackedInstall;

  beforeAll(async () => {
    install = await installPackedPackages();
  }, 600_000);
  afterAll(() => install?.close());

  it("are every package under src/, each holding its build, its README and nothing else", () => {
    // Assess
    expect(Object.keys(install.packages).sort()).toEqual(PACKAGES);
    for (const name of PACKAGES) {
      const files = install.packages[name]?.files ?? [];
      const unexpected = files.filter(
        (file) =>
          !["package.json", "README.md"].includes(file) &&
          !/^dist\/.+\.(js|d\.ts)$/.test(file) &&
          // The commands' launchers, and the CLI's copies of the policy templates.
          !(["rotor", "@rotor/local-cloud"].includes(name) && /^bin\/[\w-]+\.mjs$/.test(file)) &&
          !(name === "rotor" && /^dist\/templates\//.test(file)),
      );
      expect({ name, unexpected }).toEqual({ name, unexpected: [] });
      expect(files).toContain("README.md");
      expect(files.some((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toBe(false);
    }
  });

  it("leave tsx out of reach (the checks below run on plain Node)", async () => {
    // Act
    const failure = await install.node(["--input-type=module", "-e", 'await import("tsx")']).then(
      () => undefined,
      (error: { stderr?: string }) => error.stderr ?? "",
    );
    // Assess
    expect(failure).toContain("Cannot find package 'tsx'");
  });

  it("give the rotor command the policy templates, each equal to templates/", async () => {
    // Prepare
    const expected = await policyTemplateFiles();
    const copies = join(install.packages.rotor?.folder ?? "", "dist", "templates");
    // Act
    const copied = (await readdir(copies, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(copies.length + 1))
      .sort();
    // Assess
    expect(expected).toEqual(
      expect.arrayContaining(["rotate-generic/policy.json", "trust-policy.json"]),
    );
    expect(copied).toEqual(expected);
    for (const file of expected) {
      expect(await readFile(join(copies, file), "utf8")).toBe(
        await readFile(join(REPO_ROOT, "templates", file), "utf8"),
      );
    }
  });

  it("run rotor --help, rotor policy, rotor demo --no-postgres and rotor-local-cloud --help", async () => {
    // Act
    const help = await install.node([install.rotorBin, "--help"]);
    const localCloudHelp = await install.node([
      join(install.folder, "node_modules/@rotor/local-cloud/bin/rotor-local-cloud.mjs"),
      "--help",
    ]);
    const policy = await install.node([install.rotorBin, "policy", "operator"]);
    const demo = await install.node([install.rotorBin, "demo", "--no-postgres"]);

    // Assess
    expect(help.stdout).toContain("Usage: rotor <command>");
    expect(localCloudHelp.stdout).toContain("Usage: rotor-local-cloud");
    expect(JSON.parse(policy.stdout)).toEqual(
      JSON.parse(await readFile(join(REPO_ROOT, "templates/operator/policy.json"), "utf8")),
    );
    expect(demo.stdout).toContain("last rotation: succeeded");
  });

  describe("rotor local-cloud", () => {
    let stateDir: string;
    let cli: CliCloud;
    let kms: KmsClient;
    let root: { accessKeyId: string; accessKeySecret: string };

    beforeAll(async () => {
      stateDir = await mkdtemp(join(tmpdir(), "rotor-packed-cloud-"));
      cli = await startCliCloud(stateDir, [], {}, install.rotorBin);
      const account = await readAccount(stateDir);
      root = { accessKeyId: account.accessKeyId, accessKeySecret: account.accessKeySecret };
      kms = new KmsClient({ endpoint: cli.endpoint, credentials: root });
    });
    afterAll(async () => {
      await cli?.stop();
      await rm(stateDir, { recursive: true, force: true });
    });

    it("serves the installed @rotor/core's rotate-generic, which rotates a secret", async () => {
      // Prepare
      const secretName = `rotor/generic/packed-${randomUUID().slice(0, 8)}`;
      await kms.createSecret({
        secretName,
        secretData: `initial-${randomUUID()}`,
        versionId: "v1",
        tags: [{ key: "rotor:rotator", value: "generic" }],
      });
      const fc = new FcClient({ endpoint: cli.endpoint, credentials: root, timeoutMs: 120_000 });
      // Act
      const output = JSON.parse(await fc.invokeSync("rotate-generic", { SecretName: secretName }));
      // Assess
      expect(output).toMatchObject({ SecretName: secretName, Outcome: "rotated" });
      expect((await kms.getSecretValue({ secretName })).versionId).not.toBe("v1");
    });

    it("lets an application read a secret with @rotor/client", async () => {
      // Prepare
      const secretName = `app/packed-${randomUUID().slice(0, 8)}`;
      await kms.createSecret({ secretName, secretData: "app-value-1234", versionId: "v1" });
      const app = join(install.folder, "read-secret.mjs");
      await writeFile(
        app,
        `import { SecretsClient } from "@rotor/client";
const secrets = new SecretsClient();
const value = await secrets.getSecret(process.env.APP_SECRET);
process.stdout.write(value.length + " characters");
`,
      );
      // Act
      const { stdout } = await install.node([app], {
        ROTOR_ENDPOINT: cli.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: root.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: root.accessKeySecret,
        APP_SECRET: secretName,
      });
      // Assess
      expect(stdout).toBe("14 characters");
    });
  });
});
