/**
 * What the scheduler needs to know of a secret's last rotation, recorded
 * on the secret itself so that a listing (ListSecrets with FetchTags)
 * tells which secrets may be due without reading every secret's versions.
 *
 * The tag `rotor:rotated` holds `<ACSCurrent CreateTime>/<digest of the
 * ACSPrevious version id>/<MAC>`. The engine writes it at finishSecret;
 * the scheduler writes it when it has read a secret's versions and found
 * the record missing or stale.
 *
 * Whoever may tag a secret can write this tag too. A record claiming a
 * later rotation than the real one would delay the next rotation, so the
 * record carries an HMAC under a key from deploy-time configuration
 * (`ROTOR_RECORD_KEY`, set on the scheduler and on the rotation
 * functions): a tagger cannot make one, and a record that does not verify
 * is ignored (the secret is planned from its versions). The MAC covers the
 * secret's name, so a record copied from another secret does not verify
 * either; a record replayed from an earlier rotation of the same secret
 * only makes the secret look due sooner, and the versions decide then.
 *
 * Without the key, nothing is recorded and every secret is planned from
 * its versions, as before.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ConfigError, type Env, readEnv } from "@rotor/cloud-api";
import { writtenByRotor } from "./tag-value.ts";

export const ROTATED_TAG = "rotor:rotated";
/** `<ACSCurrent CreateTime>/<digest>/<MAC>`, checked by `readRecord` against the deployment's key. */
export const rotatedTagSchema = writtenByRotor;
export const RECORD_KEY_ENV = "ROTOR_RECORD_KEY";

/** Shorter keys are refused: the MAC is only as strong as the key. */
const MIN_KEY_LENGTH = 32;
const NO_PREVIOUS = "-";
/**
 * What the engine takes off its own clock when it records a rotation whose
 * version KMS timestamped: a function's clock may run ahead of KMS's.
 */
export const RECORD_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface RotationRecord {
  /** The ACSCurrent version's CreateTime (epoch ms): the last rotation. */
  rotatedAt: number;
  /** versionDigest of the ACSPrevious version id, or undefined when there was none. */
  previousDigest: string | undefined;
}

/** The key from ROTOR_RECORD_KEY, or undefined when unset. */
export function recordKeyFromEnv(env: Env = process.env): Buffer | undefined {
  const text = readEnv(RECORD_KEY_ENV, env);
  if (text === undefined) return undefined;
  if (text.length < MIN_KEY_LENGTH) {
    throw new ConfigError(
      `Environment variable ${RECORD_KEY_ENV} must hold at least ${MIN_KEY_LENGTH} characters (e.g. 32 random bytes in base64), got ${text.length}`,
    );
  }
  return Buffer.from(text, "utf8");
}

/** A short, stable digest of a version id: enough to tell versions apart, not to name one. */
export function versionDigest(versionId: string): string {
  return createHash("sha256").update(versionId).digest("hex").slice(0, 16);
}

/** The tag value recording `record` for `secretName`. */
export function recordValue(key: Buffer, secretName: string, record: RotationRecord): string {
  const body = `${new Date(record.rotatedAt).toISOString()}/${record.previousDigest ?? NO_PREVIOUS}`;
  return `${body}/${mac(key, secretName, body)}`;
}

/** The record a tag value holds, or undefined when it is malformed or its MAC does not verify. */
export function readRecord(
  key: Buffer,
  secretName: string,
  value: string | undefined,
): RotationRecord | undefined {
  if (value === undefined) return undefined;
  const match = /^([0-9TZ:.-]{20,30})\/([0-9a-f]{16}|-)\/([0-9a-f]{32})$/.exec(value);
  if (!match) return undefined;
  const [, time, previous, given] = match as unknown as [string, string, string, string];
  const expected = mac(key, secretName, `${time}/${previous}`);
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return undefined;
  const rotatedAt = Date.parse(time);
  if (Number.isNaN(rotatedAt)) return undefined;
  return { rotatedAt, previousDigest: previous === NO_PREVIOUS ? undefined : previous };
}

function mac(key: Buffer, secretName: string, body: string): string {
  return createHmac("sha256", key)
    .update(`${ROTATED_TAG}\n${secretName}\n${body}`)
    .digest("hex")
    .slice(0, 32);
}
