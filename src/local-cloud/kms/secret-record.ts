/**
 * A secret as the local KMS keeps it, and the stage rules every action
 * shares. The functions here change a record in place and throw
 * CloudApiError before changing anything when a rule would break, so an
 * action either applies whole or not at all.
 */
import { CloudApiError, cloudErrors } from "../api-error.ts";

export const ACS_CURRENT = "ACSCurrent";
export const ACS_PREVIOUS = "ACSPrevious";
/** KMS keeps at most this many versions of a generic secret. */
export const MAX_VERSIONS = 10;
/** At most this many distinct stage labels on one secret. */
export const MAX_STAGES = 8;
export const MAX_TAGS = 20;

export const SECRET_TYPES = [
  "Generic",
  "Rds",
  "Redis",
  "RAMCredentials",
  "ECS",
  "PolarDB",
] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

export interface VersionRecord {
  versionId: string;
  data: string;
  dataType: "text" | "binary";
  createTime: number;
  stages: string[];
}

export interface SecretRecord {
  name: string;
  type: SecretType;
  description: string;
  encryptionKeyId: string;
  createTime: number;
  updateTime: number;
  /** Set while the secret waits out its recovery window. */
  plannedDeleteTime?: number | undefined;
  extendedConfig?: string | undefined;
  automaticRotation: boolean;
  rotationInterval?: string | undefined;
  lastRotationTime?: number | undefined;
  tags: { key: string; value: string }[];
  /** In creation order, oldest first. */
  versions: VersionRecord[];
}

export function findVersion(record: SecretRecord, versionId: string): VersionRecord | undefined {
  return record.versions.find((version) => version.versionId === versionId);
}

export function versionWithStage(record: SecretRecord, stage: string): VersionRecord | undefined {
  return record.versions.find((version) => version.stages.includes(stage));
}

/**
 * Puts `stage` on `target`, taking it off whichever version had it. Moving
 * ACSCurrent also moves ACSPrevious onto the version that was current, as
 * PutSecretValue does.
 */
export function moveStage(
  record: SecretRecord,
  stage: string,
  target: VersionRecord,
  options: { currentMovesPrevious: boolean },
): void {
  const holder = versionWithStage(record, stage);
  if (holder === target) return;
  if (stage === ACS_CURRENT && holder && options.currentMovesPrevious) {
    moveStage(record, ACS_PREVIOUS, holder, options);
  }
  if (holder) holder.stages = holder.stages.filter((label) => label !== stage);
  target.stages.push(stage);
}

export function removeStage(record: SecretRecord, stage: string, from: VersionRecord): void {
  if (stage === ACS_CURRENT || stage === ACS_PREVIOUS) {
    throw cloudErrors.invalidParameter(
      "RemoveFromVersion",
      `the stage ${stage} cannot be removed, only moved to another version with MoveToVersion`,
    );
  }
  if (!from.stages.includes(stage)) {
    throw cloudErrors.invalidParameter(
      "RemoveFromVersion",
      `the version ${from.versionId} does not carry the stage ${stage}`,
    );
  }
  from.stages = from.stages.filter((label) => label !== stage);
  void record;
}

/** Refuses a record that would carry more than MAX_STAGES distinct labels. */
export function checkStageCap(record: SecretRecord): void {
  const labels = new Set(record.versions.flatMap((version) => version.stages));
  if (labels.size > MAX_STAGES) {
    throw new CloudApiError(
      400,
      "Rejected.LimitExceeded",
      `A secret carries at most ${MAX_STAGES} version stages; this request would make ${labels.size}.`,
    );
  }
}

/**
 * Keeps at most MAX_VERSIONS versions: the earliest versions without a stage
 * go. When every version carries a stage nothing can go, and the new version
 * is refused.
 */
export function enforceVersionCap(record: SecretRecord): void {
  while (record.versions.length > MAX_VERSIONS) {
    const index = record.versions.findIndex((version) => version.stages.length === 0);
    if (index < 0) {
      throw new CloudApiError(
        400,
        "Rejected.LimitExceeded",
        `A secret keeps at most ${MAX_VERSIONS} versions and every version carries a stage; remove a stage first.`,
      );
    }
    record.versions.splice(index, 1);
  }
}

export function isManaged(record: SecretRecord): boolean {
  return record.type !== "Generic";
}
