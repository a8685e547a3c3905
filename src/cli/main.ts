/**
 * `rotor`'s entry: picks the sub-command, shows help, and turns errors into
 * exit codes and one clear line on stderr (never a stack trace for a user's
 * mistake, never a secret value: our errors are built without them). All
 * output is terminal-safe (terminal-safe-io.ts), and an error's message,
 * which may quote a target, is printed as one line.
 */
import { RotorError } from "../errors.ts";
import { scrubUntrustedText } from "../text/untrusted-text.ts";
import { type CliIo, EXIT } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { UsageError } from "./parse-flags.ts";
import { terminalSafeIo } from "./terminal-safe-io.ts";

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

export function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    "Usage: rotor <command> [options]",
    "",
    "Rotor rotates secrets in Alibaba Cloud KMS Secrets Manager from Function Compute.",
    "",
    "Commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Run `rotor <command> --help` for a command's options.",
    "Environment: ROTOR_ENDPOINT (e.g. http://127.0.0.1:8765) sends every API call there;",
    "ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN say who calls.",
    "Exit codes: 0 success, 1 the operation failed, 2 bad command line, 3 rotor audit --fail-on matched.",
  ].join("\n");
}

export async function main(argv: string[], given: CliIo = processIo): Promise<number> {
  const io = terminalSafeIo(given);
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.err(`rotor: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT.usage;
  }
  if (args.includes("--help") || args.includes("-h")) {
    io.out(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    const message = scrubUntrustedText((error as Error)?.message ?? String(error));
    if (error instanceof UsageError) {
      io.err(`rotor ${command.name}: ${message}\nRun \`rotor ${command.name} --help\` for usage.`);
      return EXIT.usage;
    }
    if (error instanceof RotorError) {
      io.err(`rotor ${command.name}: ${message}`);
      return EXIT.failed;
    }
    io.err(`rotor ${command.name}: unexpected ${(error as Error)?.name ?? "error"}: ${message}`);
    return EXIT.failed;
  }
}
