/**
 * `rotor-local-cloud`, the local cloud package's own command: started as
 * users run it (its bin in a child process), it serves the OpenAPI with the
 * root account it generated into the state folder, and stops cleanly on
 * SIGTERM; a bad flag is refused before anything starts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { main } from "../../src/local-cloud/command.ts";
import { readAccount } from "./support/cli-cloud.ts";

const BIN = resolve(import.meta.dirname, "../../src/local-cloud/bin/rotor-local-cloud.mjs");

describe("rotor-local-cloud", () => {
  let stateDir: string;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let lines: string[];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "rotor-local-cloud-bin-"));
    const env = { ...process.env };
    delete env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    delete env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    child = spawn(process.execPath, [BIN, "--port", "0", "--state", stateDir], {
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    exited = new Promise((done) => child.once("exit", (code) => done(code)));
    lines = [];
    const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await new Promise<void>((ready, fail) => {
      reader.on("line", (line) => {
        lines.push(line);
        if (line.startsWith("credentials: ")) ready();
      });
      void exited.then((code) => fail(new Error(`rotor-local-cloud exited with ${code}`)));
    });
  });
  afterAll(async () => {
    if (child?.exitCode === null) child.kill("SIGKILL");
    await rm(stateDir, { recursive: true, force: true });
  });

  it("serves KMS as the root account it generated, and stops on SIGTERM", async () => {
    // Prepare
    const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0] ?? "")?.[1];
    const account = await readAccount(stateDir);
    const kms = new KmsClient({
      endpoint,
      credentials: { accessKeyId: account.accessKeyId, accessKeySecret: account.accessKeySecret },
    });
    const secretName = `bin-${randomUUID().slice(0, 8)}`;
    // Act
    await kms.createSecret({ secretName, secretData: "first-value", versionId: "v1" });
    const read = await kms.getSecretValue({ secretName });
    child.kill("SIGTERM");
    // Assess
    expect(lines[1]).toContain(`root AccessKey ${account.accessKeyId}`);
    expect(read.versionId).toBe("v1");
    expect(await exited).toBe(0);
  });

  it("refuses a bad flag with exit code 2, naming it", async () => {
    // Prepare
    const err: string[] = [];
    // Act
    const code = await main(["--port", "70000"], {
      out: () => {},
      err: (line) => err.push(line),
      env: {},
    });
    // Assess
    expect(code).toBe(2);
    expect(err.join("\n")).toContain("--port expects a whole number from 0 to 65535");
  });
});
