/**
 * The leak scanner: finds every secret value from the ledger (see
 * src/local-cloud/secret-ledger.ts) in the captured output of a test run,
 * and reports where (file and line), never what.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Shorter values occur by chance (a port, a word) and would only add noise. */
export const MIN_SCANNED_LENGTH = 8;

export interface LeakHit {
  file: string;
  /** 1-based line number in the capture file. */
  line: number;
  /** The position of the leaked value in the ledger (1-based line): a way to find it without printing it. */
  ledgerLine: number;
}

/** The ledger's values of scanned length, each with its first ledger line. */
export function readLedger(ledgerFile: string): Map<string, number> {
  const values = new Map<string, number>();
  if (!existsSync(ledgerFile)) return values;
  const lines = readFileSync(ledgerFile, "utf8").split("\n");
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return; // a line torn by a killed writer holds no whole value
    }
    if (typeof value === "string" && value.length >= MIN_SCANNED_LENGTH && !values.has(value))
      values.set(value, index + 1);
  });
  return values;
}

/** Every form a value takes in output: as is, and escaped inside a JSON string. */
function formsOf(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

/**
 * Scans every file of `captureDir` (one level) for every ledger value.
 * Values are indexed by their first MIN_SCANNED_LENGTH characters, so each
 * line is read once whatever the number of values.
 */
export function scanCaptures(captureDir: string, ledger: ReadonlyMap<string, number>): LeakHit[] {
  const hits: LeakHit[] = [];
  if (!existsSync(captureDir) || ledger.size === 0) return hits;
  const byPrefix = new Map<string, { form: string; ledgerLine: number }[]>();
  for (const [value, ledgerLine] of ledger) {
    for (const form of formsOf(value)) {
      const prefix = form.slice(0, MIN_SCANNED_LENGTH);
      const list = byPrefix.get(prefix) ?? [];
      list.push({ form, ledgerLine });
      byPrefix.set(prefix, list);
    }
  }
  for (const name of readdirSync(captureDir).sort()) {
    const file = join(captureDir, name);
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((text, index) => {
      const ledgerLine = findIn(text, byPrefix);
      if (ledgerLine !== undefined) hits.push({ file, line: index + 1, ledgerLine });
    });
  }
  return hits;
}

function findIn(
  text: string,
  byPrefix: ReadonlyMap<string, { form: string; ledgerLine: number }[]>,
): number | undefined {
  for (let at = 0; at + MIN_SCANNED_LENGTH <= text.length; at++) {
    const candidates = byPrefix.get(text.slice(at, at + MIN_SCANNED_LENGTH));
    if (!candidates) continue;
    for (const { form, ledgerLine } of candidates) {
      if (text.startsWith(form, at)) return ledgerLine;
    }
  }
  return undefined;
}

/** A report naming each hit's file, line and ledger line; never the value. */
export function describeHits(hits: readonly LeakHit[], ledgerFile: string): string {
  const shown = hits
    .slice(0, 50)
    .map(
      (hit) =>
        `  ${hit.file}:${hit.line} holds the secret on line ${hit.ledgerLine} of ${ledgerFile}`,
    );
  const more = hits.length > shown.length ? [`  … and ${hits.length - shown.length} more`] : [];
  return [
    `Leak scan: ${hits.length} line(s) of test output hold a secret value:`,
    ...shown,
    ...more,
  ].join("\n");
}
