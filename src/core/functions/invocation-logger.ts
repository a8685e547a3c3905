/**
 * The invocation's JSON log lines, on stdout by default (FC collects
 * them): one redacting logger per invocation with FC's request id on
 * every line.
 */
import { createJsonLogger, type JsonLogger } from "../engine/json-logger.ts";
import type { FcContext } from "./fc-context.ts";

/** Writes a line where FC collects a function's logs. */
export const writeToStdout = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export function invocationLogger(write: (line: string) => void, context: FcContext): JsonLogger {
  return createJsonLogger(write, { fcRequestId: context.requestId });
}
