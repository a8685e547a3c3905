/**
 * The leak scan over the whole test suite (vitest globalSetup).
 *
 * Before the tests: makes a capture folder and a secret ledger file and
 * names them in ROTOR_LEAK_CAPTURE_DIR and ROTOR_SECRET_LEDGER, which every
 * test worker (and every process it starts) inherits. Local clouds then
 * append every secret they store or issue to the ledger
 * (src/local-cloud/secret-ledger.ts) and every event their buses accept to
 * the capture folder (ROTOR_EVENT_CAPTURE_DIR, the same folder), and the
 * workers copy all their output into it (test/setup/output-capture.ts).
 *
 * After the tests: scans every captured line for every ledger value of 8 or
 * more characters. Any hit fails the run, naming the capture file, the line
 * and the ledger line, never the value. Set ROTOR_LEAK_SCAN=off to skip.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeHits, readLedger, scanCaptures } from "../leak-scan/leak-scanner.ts";

export default function setup(): (() => void) | undefined {
  if (process.env.ROTOR_LEAK_SCAN === "off") return undefined;
  const folder = mkdtempSync(join(tmpdir(), "rotor-leak-scan-"));
  const captureDir = join(folder, "captures");
  const ledgerFile = join(folder, "secret-ledger.jsonl");
  mkdirSync(captureDir);
  process.env.ROTOR_LEAK_CAPTURE_DIR = captureDir;
  process.env.ROTOR_SECRET_LEDGER = ledgerFile;
  // Every event a local bus accepts is scanned as well (src/local-cloud/eventbridge/event-capture.ts).
  process.env.ROTOR_EVENT_CAPTURE_DIR = captureDir;
  const restoreStreams = captureMainProcess(join(captureDir, "main-process.log"));

  return function scanForLeaks() {
    restoreStreams();
    const ledger = readLedger(ledgerFile);
    const hits = scanCaptures(captureDir, ledger);
    if (hits.length > 0) {
      // The folder stays so the lines can be looked at; it holds test values only.
      throw new Error(describeHits(hits, ledgerFile));
    }
    const files = readdirSync(captureDir);
    console.log(
      `Leak scan: ${ledger.size} secret values checked against ${files.length} capture files, no leak found`,
    );
    rmSync(folder, { recursive: true, force: true });
  };
}

/**
 * Copies everything this process (vitest's own, where globalSetup runs)
 * writes to stdout and stderr into `file`. The workers capture their own
 * output, but some text reaches people only through this process: the
 * unhandled errors a worker reports, printed here with every property of
 * the error object. Returns the function that stops the copying.
 */
function captureMainProcess(file: string): () => void {
  const restores = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      appendFileSync(file, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array));
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = write;
    };
  });
  return () => {
    for (const restore of restores) restore();
  };
}
