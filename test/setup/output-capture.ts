/**
 * Runs in every test worker before its test file (vitest setupFiles): keeps
 * a copy of everything the tests make visible, for the leak scan that runs
 * after the whole suite (test/setup/leak-scan-global.ts):
 *
 * - writes to process.stdout and process.stderr, and console output;
 * - every line a JSON logger writes (src/core/engine/json-logger.ts), wherever
 *   its sink sends it (often an array a test inspects);
 * - every line a `rotor` command prints through the CLI (src/cli/main.ts),
 *   even when a test captures it;
 * - the message and stack of every failed test.
 *
 * Each worker appends to its own file in ROTOR_LEAK_CAPTURE_DIR. Without that
 * variable (a test run without the global setup) nothing is captured.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, vi } from "vitest";

const captureDir = process.env.ROTOR_LEAK_CAPTURE_DIR;
const captureFile = captureDir ? join(captureDir, `worker-${process.pid}.log`) : undefined;

/** Appends one piece of output (a line or a chunk) to this worker's capture file. */
export function capture(source: string, text: string): void {
  if (!captureFile) return;
  appendFileSync(captureFile, `[${source}] ${text}${text.endsWith("\n") ? "" : "\n"}`);
}

// A worker runs several test files; patch its streams and console once.
const PATCHED = Symbol.for("rotor.leakCapture.patched");
const marked = globalThis as { [PATCHED]?: boolean };
if (captureFile && !marked[PATCHED]) {
  marked[PATCHED] = true;
  for (const [name, stream] of [
    ["stdout", process.stdout],
    ["stderr", process.stderr],
  ] as const) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      capture(
        name,
        typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString(),
      );
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}
if (captureFile) {
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      capture(`console.${method}`, args.map((arg) => describeValue(arg)).join(" "));
      original(...args);
    };
  }
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.message}\n${value.stack ?? ""}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

afterEach(({ task }) => {
  for (const error of task.result?.errors ?? []) {
    capture("test-failure", `${task.name}: ${error.message}\n${error.stack ?? ""}`);
  }
});

vi.mock("../../src/core/engine/json-logger.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/core/engine/json-logger.ts")>();
  return {
    ...original,
    createJsonLogger: (
      write: (line: string) => void,
      ...rest: Parameters<typeof original.createJsonLogger> extends [unknown, ...infer R]
        ? R
        : never
    ) =>
      original.createJsonLogger(
        (line) => {
          capture("json-logger", line);
          write(line);
        },
        ...rest,
      ),
  };
});

vi.mock("../../src/cli/main.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/cli/main.ts")>();
  return {
    ...original,
    main: (argv: string[], io?: import("../../src/cli/command.ts").CliIo) => {
      if (!io) return original.main(argv);
      return original.main(argv, {
        ...io,
        out: (line) => {
          capture("cli.out", line);
          io.out(line);
        },
        err: (line) => {
          capture("cli.err", line);
          io.err(line);
        },
      });
    },
  };
});
