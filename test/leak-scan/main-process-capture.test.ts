/**
 * The leak scan also reads what vitest's own process prints: an error a
 * worker leaves unhandled is printed there, with every property of the
 * error object (a driver's error may hold a password), and no worker's
 * capture holds it.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("the leak scan over vitest's main process", () => {
  it("fails the run when an unhandled error printed there carries a secret, and never prints it itself", async () => {
    // Prepare: a value only the fixture knows, recorded as a secret by it.
    const secret = `pw-${randomBytes(12).toString("hex")}`;

    // Act
    const outcome = await run(
      "npx",
      ["vitest", "run", "--config", "test/leak-scan/fixtures/vitest.fixture.config.ts"],
      { env: { ...process.env, FIXTURE_SECRET: secret, CI: "" }, timeout: 60_000 },
    ).then(
      () => ({ failed: false, output: "" }),
      (error: { stdout: string; stderr: string }) => ({
        failed: true,
        output: `${error.stdout}\n${error.stderr}`,
      }),
    );

    // Assess: the scan found it in the main process's capture and named the place only.
    expect(outcome.failed).toBe(true);
    const report = outcome.output.slice(outcome.output.indexOf("Leak scan:"));
    expect(report).toMatch(/main-process\.log:\d+ holds the secret/);
    expect(report).not.toContain(secret);
  }, 90_000);
});
