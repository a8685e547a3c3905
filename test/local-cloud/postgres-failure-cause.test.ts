/**
 * The cause a failed PostgreSQL start reports is the line that explains
 * it, not initdb's cleanup. The outputs are initdb's and postgres's own,
 * as they printed them when a start failed on this kind of machine.
 */
import { describe, expect, it } from "vitest";
import { failureCause } from "../../src/local-cloud/postgres-failure-cause.ts";

describe("failureCause", () => {
  it("names the shell's refusal, not initdb's cleanup, when initdb fails in a shell", () => {
    // Prepare
    const output = [
      "creating configuration files ... ok",
      "running bootstrap script ... ok",
      "performing post-bootstrap initialization ... sh: 1: cannot create /dev/null: Permission denied",
      "child process exited with exit code 2",
      'initdb: removing data directory "/tmp/rotor-postgres-1dt4hr/cluster/data"',
      "",
    ].join("\n");
    // Act
    const cause = failureCause(output);
    // Assess
    expect(cause).toBe(
      "performing post-bootstrap initialization ... sh: 1: cannot create /dev/null: Permission denied",
    );
  });

  it("names initdb's own error line", () => {
    // Prepare
    const output = [
      'initdb: error: directory "/tmp/x/data" exists but is not empty',
      'initdb: removing contents of data directory "/tmp/x/data"',
    ].join("\n");
    // Act
    const cause = failureCause(output);
    // Assess
    expect(cause).toBe('initdb: error: directory "/tmp/x/data" exists but is not empty');
  });

  it("names the server's FATAL line", () => {
    // Prepare
    const output = [
      "LOG:  starting PostgreSQL 18.0 on x86_64-pc-linux-gnu",
      'FATAL:  could not create lock file "/tmp/.s.PGSQL.5432.lock": Permission denied',
      "LOG:  database system is shut down",
    ].join("\n");
    // Act
    const cause = failureCause(output);
    // Assess
    expect(cause).toBe(
      'FATAL:  could not create lock file "/tmp/.s.PGSQL.5432.lock": Permission denied',
    );
  });

  it("falls back to the last line, or says there was no output", () => {
    expect(failureCause("first\nlast\n")).toBe("last");
    expect(failureCause("\n\n")).toBe("no output");
  });
});
