/**
 * The local cloud's root account: an account id and one AccessKey. The key
 * comes from the caller (the CLI passes ALIBABA_CLOUD_ACCESS_KEY_ID /
 * _SECRET when set) or is generated on first start and kept in
 * `account.json` (mode 0600) in the state folder, so it survives restarts.
 */
import { randomInt } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./state/atomic-file.ts";

export interface RootAccount {
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Where the credentials are kept, or why they are not. */
  credentialsSource: string;
}

interface StoredAccount {
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

export async function loadRootAccount(
  stateDir: string | undefined,
  given: { accessKeyId: string; accessKeySecret: string } | undefined,
): Promise<RootAccount> {
  const path = stateDir === undefined ? undefined : join(stateDir, "account.json");
  let stored: StoredAccount | undefined;
  if (path !== undefined) {
    try {
      stored = JSON.parse(await readFile(path, "utf8")) as StoredAccount;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new Error(`cannot read ${path}: ${(error as Error).message}`);
      }
    }
  }
  if (!stored) {
    stored = { accountId: newAccountId(), ...newAccessKey() };
    if (path !== undefined)
      await writeFileAtomic(path, Buffer.from(`${JSON.stringify(stored, null, 2)}\n`));
  }
  if (given) {
    return {
      accountId: stored.accountId,
      ...given,
      credentialsSource: "ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    };
  }
  return { ...stored, credentialsSource: path ?? "memory (no state folder)" };
}

/** A new AccessKey in Alibaba's shape: `LTAI` + 20 characters, and a 30-character secret. */
export function newAccessKey(prefix = "LTAI"): { accessKeyId: string; accessKeySecret: string } {
  return {
    accessKeyId: prefix + randomAlphanumeric(24 - prefix.length),
    accessKeySecret: randomAlphanumeric(30),
  };
}

function newAccountId(): string {
  return String(randomInt(1, 10)) + Array.from({ length: 15 }, () => randomInt(10)).join("");
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomAlphanumeric(length: number): string {
  return Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");
}
