/**
 * What an audit of the account says about one secret: who rotates it
 * (Rotor, KMS itself, or nothing), by which policy, when it last rotated
 * and next falls due, and each problem found with what to do about it.
 *
 * A secret may have several problems (failing and weakened by a tag); its
 * status is the most pressing of them, in the order of PROBLEM_STATUSES,
 * or `ok` when there is none.
 */

/** Every problem an audit reports, the most pressing first. */
export const PROBLEM_STATUSES = [
  /** A pending version outlived its lease: a rotation was interrupted and nothing resumes it. */
  "stuck",
  /** The last rotation failed (Rotor's failure tags; KMS's AutomaticRotation `Invalid`). */
  "failing",
  /** The first window its policy gave for a rotation has closed without one. */
  "overdue",
  /** A rotor: tag is wrong, so the scheduler skips the secret or its rotations are refused. */
  "invalid",
  /** Its versions or its description could not be read. */
  "unreadable",
  /** Scheduled rotation is off: rotor:enabled=false, or KMS's automatic rotation is disabled. */
  "disabled",
  /** Its value never changed since it was stored. */
  "never-rotated",
  /** A tag makes its rotation weaker than Rotor's defaults (or asks to, and is bounded). */
  "weakened",
  /** Managed by Rotor with neither rotor:interval nor rotor:schedule: rotated only by hand. */
  "unscheduled",
  /** A generic secret nothing rotates. */
  "unmanaged",
  /** In KMS's recovery window, to be deleted. */
  "deleting",
] as const;

export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];
export type AuditStatus = "ok" | ProblemStatus;

export interface Finding {
  status: ProblemStatus;
  /** What is wrong, in a sentence. */
  detail: string;
  /** What to do about it, in one line naming the command or tag. */
  advice: string;
}

/** The policy a secret rotates by, as its tags (or KMS) state it. */
export interface AuditPolicy {
  /** Whether scheduled (or KMS's automatic) rotation is on. */
  enabled: boolean;
  /** `30d`: at least this long between rotations. */
  interval?: string | undefined;
  /** The cron expression of its windows. */
  schedule?: string | undefined;
  /** How long each window stays open (`1h`). */
  window?: string | undefined;
  /** The schedule's time zone. */
  timezone?: string | undefined;
}

/** A rotation in progress or left behind: the version under the pending stage. */
export interface PendingRotation {
  versionId: string;
  /**
   * held: its lease runs (a rotation is under way); expired: the lease ran
   * out with nobody finishing (stuck); released: its holder stopped on an
   * error and gave the lease up, so the next invocation carries it on.
   */
  state: "held" | "expired" | "released";
  /** Epoch ms the lease ends (or ended). */
  leaseExpiresAt: number;
}

export interface SecretAudit {
  secretName: string;
  /** KMS's SecretType: Generic, Rds, RAMCredentials, ECS, PolarDB, Redis. */
  secretType: string;
  /** The rotor:rotator kind; `kms` for a type KMS rotates itself; undefined when nothing does. */
  rotator: string | undefined;
  /** The FC function that rotates it (Rotor-managed secrets). */
  functionName: string | undefined;
  policy: AuditPolicy | undefined;
  /** Epoch ms of the last rotation; undefined when it never rotated, or it is unknown. */
  lastRotation: number | undefined;
  /** Epoch ms from which it is due (in the past when due or overdue). */
  nextDue: number | undefined;
  /** Epoch ms from which it is overdue, when it is. */
  overdueSince: number | undefined;
  pending: PendingRotation | undefined;
  /** KMS's AutomaticRotation (Enabled, Disabled, Invalid) for a type KMS rotates. */
  kmsAutomaticRotation: string | undefined;
  status: AuditStatus;
  findings: Finding[];
}

/** The most pressing status among the findings, or `ok`. */
export function worstStatus(findings: readonly Finding[]): AuditStatus {
  let worst: AuditStatus = "ok";
  let rank: number = PROBLEM_STATUSES.length;
  for (const { status } of findings) {
    const at = PROBLEM_STATUSES.indexOf(status);
    if (at < rank) {
      rank = at;
      worst = status;
    }
  }
  return worst;
}

/** Findings sorted most pressing first (stable otherwise). */
export function byUrgency(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => PROBLEM_STATUSES.indexOf(a.status) - PROBLEM_STATUSES.indexOf(b.status),
  );
}
