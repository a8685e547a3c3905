/**
 * What every `rotor` sub-command is: a name, a one-line summary for the
 * command list, the full `--help` text, and a run function that returns the
 * exit code. Output goes through `io` so tests can capture it.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** Exit codes, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** The operation ran and failed (a rotation step, an API call). */
  failed: 1,
  /** The command line was wrong: unknown command, flag or value. */
  usage: 2,
  /** `rotor audit --fail-on`: a secret has one of the problems named. */
  findings: 3,
} as const;
