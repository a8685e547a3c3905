/**
 * JSON log lines on stdout (FC collects them), one redacting logger per
 * invocation with FC's request id on every line.
 */
import { createJsonLogger } from "../../engine/json-logger.ts";
import { type RotationMiddyRequest, state } from "./handler-state.ts";

export interface JsonLogsOptions {
  write?: (line: string) => void;
}

export function jsonLogs(options: JsonLogsOptions = {}) {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  return {
    name: "rotor-json-logs",
    before(request: RotationMiddyRequest): void {
      const log = createJsonLogger(write, { fcRequestId: request.context?.requestId });
      state(request)["rotor.log"] = log;
    },
  };
}
