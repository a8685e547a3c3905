/**
 * The local cloud's durable store (src/local-cloud/state/): an encrypted
 * append-only log per store. What a crash can leave behind (a torn last
 * frame, a compaction cut short, a finished compaction whose old file was
 * not yet removed) loads back to exactly what was acknowledged; corruption
 * and a wrong key stop the load instead of losing data; state written as
 * one file per record by earlier versions is carried over.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  appendFile,
  copyFile,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { StateCipher } from "../../src/local-cloud/state/encryption.ts";
import { RecordStore } from "../../src/local-cloud/state/record-store.ts";
import { startCliCloud } from "./support/cli-cloud.ts";

interface Note {
  text: string;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rotor-state-log-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

async function openStore(
  folder: string,
  cipher: StateCipher,
  tuning: { minCompactionBytes?: number } = {},
): Promise<RecordStore<Note>> {
  const store = await RecordStore.open<Note>(folder, cipher, tuning);
  cleanups.push(() => store.close());
  return store;
}

async function put(store: RecordStore<Note>, key: string, text: string | undefined): Promise<void> {
  await store.update(key, () => ({
    next: text === undefined ? undefined : { text },
    result: undefined,
  }));
}

function contents(store: RecordStore<Note>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ["a", "b", "c", "d"]) {
    const note = store.get(key);
    if (note) out[key] = note.text;
  }
  return out;
}

async function logFiles(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.startsWith("log-")).sort();
}

describe("the record log", () => {
  it("drops a torn last frame, which no writer was told was stored, and keeps the rest", async () => {
    const dir = await tempDir();
    const cipher = await StateCipher.open(dir);
    const folder = join(dir, "notes");
    const first = await openStore(folder, cipher);
    await put(first, "a", "one");
    await put(first, "b", "two");
    await first.close();
    const [file] = await logFiles(folder);
    const log = join(folder, file as string);
    const acknowledged = (await stat(log)).size;
    // A frame announcing 400 bytes of which a kill let 37 reach the file.
    const torn = Buffer.alloc(4 + 37, 7);
    torn.writeUInt32LE(400, 0);
    await appendFile(log, torn);

    const second = await openStore(folder, cipher);
    const sizeAfterLoad = (await stat(log)).size;
    await put(second, "c", "three");
    await second.close();
    const third = await openStore(folder, cipher);

    expect(sizeAfterLoad).toBe(acknowledged);
    expect(contents(third)).toEqual({ a: "one", b: "two", c: "three" });
  });

  it("drops a last frame whose blocks read as zeros (a power cut before its fdatasync)", async () => {
    const dir = await tempDir();
    const cipher = await StateCipher.open(dir);
    const folder = join(dir, "notes");
    const first = await openStore(folder, cipher);
    await put(first, "a", "one");
    await first.close();
    const [file] = await logFiles(folder);
    const zeros = Buffer.alloc(4 + 64);
    zeros.writeUInt32LE(64, 0);
    await appendFile(join(folder, file as string), zeros);

    const second = await openStore(folder, cipher);

    expect(contents(second)).toEqual({ a: "one" });
  });

  it("refuses to load a frame that does not decrypt before the end, naming the file", async () => {
    const dir = await tempDir();
    const cipher = await StateCipher.open(dir);
    const folder = join(dir, "notes");
    const first = await openStore(folder, cipher);
    await put(first, "a", "one");
    await put(first, "b", "two");
    await first.close();
    const [file] = await logFiles(folder);
    const path = join(folder, file as string);
    const bytes = await readFile(path);
    bytes[40] = (bytes[40] as number) ^ 0xff; // inside the first frame's sealed body
    await writeFile(path, bytes);

    const failure = await RecordStore.open<Note>(folder, cipher).then(
      () => "loaded",
      (error: Error) => error.message,
    );

    expect(failure).toContain(path);
    expect(failure).toContain("does not decrypt");
    expect((await stat(path)).size).toBe(bytes.length);
  });

  it("refuses another master.key and leaves the file whole (a wrong key is no torn write)", async () => {
    const dir = await tempDir();
    const folder = join(dir, "notes");
    const first = await openStore(folder, await StateCipher.open(dir));
    await put(first, "a", "one");
    await first.close();
    const [file] = await logFiles(folder);
    const size = (await stat(join(folder, file as string))).size;

    const failure = await RecordStore.open<Note>(folder, new StateCipher(randomBytes(32))).then(
      () => "loaded",
      (error: Error) => error.message,
    );

    expect(failure).toContain("does not decrypt");
    expect((await stat(join(folder, file as string))).size).toBe(size);
  });

  it("compacts once appends outweigh the live records: one newer file, the same records", async () => {
    const dir = await tempDir();
    const cipher = await StateCipher.open(dir);
    const folder = join(dir, "notes");
    const store = await openStore(folder, cipher, { minCompactionBytes: 2_000 });
    const before = await logFiles(folder);
    for (let round = 0; round < 40; round++) {
      await put(store, "a", `a-${round}`);
      await put(store, "b", `b-${round}`);
    }
    await put(store, "c", "gone soon");
    await put(store, "c", undefined);
    await put(store, "d", "kept");
    await store.close();
    const after = await logFiles(folder);
    const reopened = await openStore(folder, cipher);

    expect(before).toEqual(["log-00000001.rec"]);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe("log-00000001.rec");
    expect(contents(reopened)).toEqual({ a: "a-39", b: "b-39", d: "kept" });
  });

  it("after a crash mid-compaction, or before the old file went, loads the newest complete file", async () => {
    const dir = await tempDir();
    const cipher = await StateCipher.open(dir);
    const folder = join(dir, "notes");
    const store = await openStore(folder, cipher, { minCompactionBytes: 1_000 });
    await put(store, "a", "early");
    const oldCopy = join(dir, "old-generation");
    await copyFile(join(folder, "log-00000001.rec"), oldCopy);
    for (let round = 0; round < 30; round++) await put(store, "b", `b-${round}`);
    await store.close();
    const [newest] = await logFiles(folder);
    // The old generation still there (the crash came before its removal),
    // and a compaction's temporary file that never got renamed.
    await copyFile(oldCopy, join(folder, "log-00000001.rec"));
    await writeFile(join(folder, `${newest}.0a1b2c3d4e5f.tmp`), randomBytes(300));

    const reopened = await openStore(folder, cipher);

    expect(newest).not.toBe("log-00000001.rec");
    expect(contents(reopened)).toEqual({ a: "early", b: "b-29" });
    expect(await readdir(folder)).toEqual([newest]);
  });

  it("carries state written as one file per record over into a log, and removes those files", async () => {
    const dir = await tempDir();
    const cipher = await StateCipher.open(dir);
    const folder = join(dir, "notes");
    await openStore(folder, cipher).then((store) => store.close());
    for (const [key, text] of [
      ["a", "legacy one"],
      ["b", "legacy two"],
    ]) {
      const name = `${createHash("sha256")
        .update(key as string)
        .digest("hex")}.rec`;
      const sealed = cipher.encrypt(Buffer.from(JSON.stringify({ key, record: { text } })), name);
      await writeFile(join(folder, name), sealed, { mode: 0o600 });
    }

    const migrated = await openStore(folder, cipher);
    await put(migrated, "c", "new");
    await migrated.close();
    const reopened = await openStore(folder, cipher);

    expect(contents(reopened)).toEqual({ a: "legacy one", b: "legacy two", c: "new" });
    expect((await readdir(folder)).every((name) => name.startsWith("log-"))).toBe(true);
  });

  it("answers writes that arrive together with one frame each, all durable", async () => {
    const dir = await tempDir();
    const cipher = await StateCipher.open(dir);
    const folder = join(dir, "notes");
    const store = await openStore(folder, cipher);

    await Promise.all(Array.from({ length: 50 }, (_, i) => put(store, `k${i}`, `v${i}`)));
    await store.close();
    const reopened = await openStore(folder, cipher);

    expect(reopened.size).toBe(50);
    expect(reopened.get("k49")).toEqual({ text: "v49" });
  });
});

describe("one local cloud per state folder", () => {
  it("refuses a second cloud in the same process, and a folder another process holds", async () => {
    const stateDir = await tempDir();
    const first = await startLocalCloud({ stateDir });
    cleanups.push(() => first.close());

    const inProcess = await startLocalCloud({ stateDir }).then(
      () => "started",
      (error: Error) => error.message,
    );
    await first.close();
    const cli = await startCliCloud(stateDir, ["--no-functions"]);
    cleanups.push(() => cli.stop("SIGKILL"));
    const whileCliRuns = await startLocalCloud({ stateDir }).then(
      () => "started",
      (error: Error) => error.message,
    );
    await cli.stop("SIGKILL");
    const afterKill = await startLocalCloud({ stateDir });
    cleanups.push(() => afterKill.close());
    const kms = new KmsClient({ endpoint: afterKill.endpoint, credentials: afterKill.credentials });
    await kms.createSecret({ secretName: "after-kill", secretData: "v", versionId: "v1" });

    expect(cli.startupLines).toContainEqual(
      expect.stringMatching(
        /^state: 0 secrets, opened in \d+ ms; memory: \d+ MB RSS, \d+ MB heap$/,
      ),
    );
    expect(inProcess).toContain("in use by another local cloud in this process");
    expect(whileCliRuns).toContain(`in use by process ${cli.child.pid}`);
    expect((await kms.getSecretValue({ secretName: "after-kill" })).secretData).toBe("v");
  });
});
