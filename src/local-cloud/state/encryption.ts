/**
 * Encryption at rest for the local cloud's state: AES-256-GCM with a random
 * 96-bit IV per write. The key lives in `master.key` (mode 0600) beside the
 * data. The file's name is bound in as associated data, so a record copied
 * over another's file fails to decrypt instead of impersonating it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

const MAGIC = Buffer.from("ROTR1");
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class StateCipher {
  constructor(private readonly key: Buffer) {}

  /** Loads `master.key` from the state folder, creating it (0600) on first start. */
  static async open(stateDir: string): Promise<StateCipher> {
    const path = join(stateDir, "master.key");
    try {
      const key = await readFile(path);
      if (key.length !== 32)
        throw new Error(`${path} must hold exactly 32 bytes, found ${key.length}`);
      return new StateCipher(key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const key = randomBytes(32);
    // `wx`: if another process created it meanwhile, fail rather than overwrite its key.
    await writeFile(path, key, { mode: 0o600, flag: "wx" });
    await chmod(path, 0o600);
    return new StateCipher(key);
  }

  encrypt(plaintext: Buffer, associatedData: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
  }

  decrypt(sealed: Buffer, associatedData: string): Buffer {
    if (!sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new Error("not a local cloud state file (bad header)");
    }
    const iv = sealed.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
    const tag = sealed.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
    const body = sealed.subarray(MAGIC.length + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.key, iv);
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  }
}
