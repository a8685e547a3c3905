/**
 * Structured JSON log lines that cannot leak a secret: every value the
 * engine or a rotator handles is registered with `redact`, and each line is
 * scrubbed of those strings (raw and JSON-escaped, by redactKnownValues)
 * before it is written.
 * Fields named like secret material are blanked too, as a second net.
 * Characters a terminal would act on are escaped, so a target's words in
 * an error field stay words when someone reads the log.
 */
import type { RotationLogger } from "../contract/rotator-contract.ts";
import {
  escapeControlsInJson,
  redactKnownValues,
  scrubUntrustedText,
} from "../contract/untrusted-text.ts";

export interface JsonLogger extends RotationLogger {
  /** Marks a string as secret: it will never appear in a line. */
  redact(value: string): void;
  /** A logger writing to the same place with extra fields on every line. */
  child(fields: Record<string, unknown>): JsonLogger;
  /**
   * `text` (an error message that may quote a target) fit to leave the
   * invocation: every value registered so far redacted, then scrubbed as
   * src/core/contract/untrusted-text.ts does, within `maxLength` characters.
   */
  scrubUntrusted(text: string, maxLength: number): string;
}

const REDACTED = "[redacted]";
/** Shorter strings are too likely to occur by chance (a stage name, a number) to be scrubbed. */
const MIN_REDACTED_LENGTH = 4;
const SECRET_FIELD =
  /^(secretdata|password|accountpassword|accesskeysecret|privatekey|securitytoken|value)$/i;

export function createJsonLogger(
  write: (line: string) => void,
  base: Record<string, unknown> = {},
  secrets: Set<string> = new Set(),
): JsonLogger {
  const emit = (level: string, event: string, fields: Record<string, unknown> = {}) => {
    const record = { time: new Date().toISOString(), level, event, ...base, ...fields };
    const line = redactKnownValues(JSON.stringify(record, blankSecretFields), secrets);
    write(escapeControlsInJson(line));
  };
  return {
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    redact(value) {
      if (value.length >= MIN_REDACTED_LENGTH) secrets.add(value);
    },
    child: (fields) => createJsonLogger(write, { ...base, ...fields }, secrets),
    scrubUntrusted: (text, maxLength) => scrubUntrustedText(text, { secrets, maxLength }),
  };
}

function blankSecretFields(key: string, value: unknown): unknown {
  return SECRET_FIELD.test(key) && value !== undefined ? REDACTED : value;
}
