/**
 * Writes a state folder holding many KMS secrets at once, in the format
 * the local cloud loads (one log file of the `kms/secrets` store, encrypted
 * with the folder's master.key), for benchmarks and scale tests: 100,000
 * secrets through the API would take minutes of CreateSecret calls, here
 * they take seconds. Start the cloud on the folder afterwards; it makes
 * the root account and the other stores itself.
 *
 * @example
 * await seedSecrets({ stateDir, count: 100_000 });
 * const cloud = await startLocalCloud({ stateDir });
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ACS_CURRENT, ACS_PREVIOUS, type SecretRecord } from "./kms/secret-record.ts";
import { StateCipher } from "./state/encryption.ts";
import { writeGeneration } from "./state/record-log.ts";

export interface SeedOptions {
  /** The cloud's state folder; must not hold secrets yet. */
  stateDir: string;
  count: number;
  /** Creation time of the first secret (ms); each next one a second later. Default: a year ago. */
  startTime?: number;
  /** The i-th secret (0-based); default: a Rotor-managed generic secret, see `rotorManagedSecret`. */
  secret?: (index: number, createTime: number) => SecretRecord;
}

/** Seeds `count` secrets; resolves once they are durable. */
export async function seedSecrets(options: SeedOptions): Promise<void> {
  const folder = join(options.stateDir, "kms", "secrets");
  await mkdir(folder, { recursive: true, mode: 0o700 });
  if ((await readdir(folder)).length > 0) {
    throw new Error(`${folder} already holds secrets: seed an empty state folder`);
  }
  const cipher = await StateCipher.open(options.stateDir);
  const startTime = options.startTime ?? Date.now() - 365 * 24 * 3600 * 1000;
  const make = options.secret ?? rotorManagedSecret;
  const entries: [string, SecretRecord][] = [];
  for (let index = 0; index < options.count; index++) {
    const record = make(index, startTime + index * 1000);
    entries.push([record.name, record]);
  }
  await writeGeneration(folder, cipher, 1, entries);
}

/**
 * A generic secret as Rotor leaves one after a rotation: named
 * `rotor/generic/app-<i>`, tagged for the generic rotator (one in three
 * on a daily interval, the rest monthly, in one of 50 teams), with a
 * JSON database credential as ACSCurrent and its predecessor as
 * ACSPrevious. Values are random.
 */
export function rotorManagedSecret(index: number, createTime: number): SecretRecord {
  const value = () =>
    JSON.stringify({
      AccountName: `app${index}`,
      AccountPassword: randomBytes(18).toString("base64url"),
      host: "db.internal",
      port: 3306,
    });
  const rotatedAt = createTime + 3600 * 1000;
  return {
    name: `rotor/generic/app-${String(index).padStart(6, "0")}`,
    type: "Generic",
    description: `application ${index} database login`,
    encryptionKeyId: "",
    createTime,
    updateTime: rotatedAt,
    automaticRotation: false,
    lastRotationTime: rotatedAt,
    tags: [
      { key: "rotor:rotator", value: "generic" },
      { key: "rotor:interval", value: index % 3 === 0 ? "1d" : "30d" },
      { key: "team", value: `team-${index % 50}` },
    ],
    versions: [
      {
        versionId: `v${index}-1`,
        data: value(),
        dataType: "text",
        createTime,
        stages: [ACS_PREVIOUS],
      },
      {
        versionId: `v${index}-2`,
        data: value(),
        dataType: "text",
        createTime: rotatedAt,
        stages: [ACS_CURRENT],
      },
    ],
  };
}
