/**
 * The plan, page by page: one ListSecrets page (100 secrets, with their
 * tags) at a time, judged and handed on before the next is read, so a plan
 * of 100,000 secrets never holds them all.
 *
 * The listing carries no tag filter: KMS lets a tag filter match at most
 * 4,000 secrets, so every secret is listed and the managed ones (tagged
 * `rotor:rotator`) are picked here.
 *
 * A secret whose rotation record (rotation-record.ts) verifies under the
 * deployment's key, and says it is not due, is planned from the record:
 * no further call. Every other secret is planned from its versions (one
 * ListSecretVersionIds): no record, one that does not verify (missing,
 * forged, copied from another secret), one that says the secret is due
 * (confirmed before anything is invoked), and the secrets whose plan needs
 * what only the versions tell: tags that weaken the rotation (their report
 * names the ACSCurrent version), an emergency's revoke marker, and a grace
 * period whose end has come and is not known to be ended. A record is
 * never later than the versions (the engine records no later than KMS's
 * CreateTime), so a secret the record calls not due is not due.
 *
 * With `dueFromRecord` (the scheduler's run), a secret the record calls
 * due is planned due without that read: its rotation is asked for with
 * `IfDue`, and the rotation function, which reads the versions anyway,
 * rotates only if they agree (engine/due-confirmation.ts). The read is
 * still made when the record calls the secret overdue, so the overdue
 * report is the versions' word. `rotor plan` shows the versions' verdict.
 *
 * With `repairRecords`, a secret read from its versions whose record is
 * missing or stale, and which is not due, gets its record written (one
 * TagResource), so the next run plans it from the listing alone.
 */
import type { KmsClient, SecretSummary, VersionSummary } from "@rotor/cloud-api";
import { DEFAULT_DEPLOY_POLICY, type DeployPolicy } from "../contract/deploy-policy.ts";
import { previousOccurrence } from "../contract/schedule/cron.ts";
import { dueVerdict } from "../contract/schedule/due.ts";
import { ACS_CURRENT, ACS_PREVIOUS } from "../contract/stages.ts";
import { REVOKE_PENDING_TAG, ROTATOR_TAG } from "../contract/tags/engine-tags.ts";
import {
  GRACE_ENDED_TAG,
  GRACE_PERIOD_TAG,
  parseGracePeriod,
} from "../contract/tags/grace-period.ts";
import {
  isPolicyProblem,
  type RotationPolicy,
  readRotationPolicy,
} from "../contract/tags/rotation-policy.ts";
import {
  ROTATED_TAG,
  type RotationRecord,
  readRecord,
  recordValue,
  versionDigest,
} from "../contract/tags/rotation-record.ts";
import { dueWindow } from "./overdue.ts";
import {
  functionNameFor,
  type ListedSecret,
  type PlanEntry,
  type PlanStatus,
  planSecret,
} from "./plan.ts";
import { callWithinBudget, mapBounded, RateLimiter } from "./rate-limiter.ts";
import { tagWeakenings } from "./tag-weakenings.ts";

export const PAGE_SIZE = 100;

export interface PlanPagesOptions {
  kms: KmsClient;
  now?: number;
  /** Parallel ListSecretVersionIds calls (default 8). */
  concurrency?: number;
  /** Our own budget of KMS calls per second (default 100). */
  kmsQps?: number;
  /** The limits tags may only narrow; default: Rotor's defaults. */
  policy?: DeployPolicy | undefined;
  /** The rotation record's key (ROTOR_RECORD_KEY); without it every secret is read. */
  recordKey?: Buffer | undefined;
  /** Plan a secret the record calls due (not overdue) as due, leaving its confirmation to the rotation. */
  dueFromRecord?: boolean | undefined;
  /** Write the record of secrets read whose record is missing or stale (the scheduler does). */
  repairRecords?: boolean | undefined;
  /** Writes a warning log line (a record that could not be written). */
  warn?: (event: string, fields: Record<string, unknown>) => void;
  /** Managed secrets planned so far, and that plus the secrets not listed yet. */
  onProgress?: (done: number, total: number) => void;
}

export type PlanOptions = PlanPagesOptions;

/** The whole plan at once (`rotor plan`); the scheduler takes it page by page (planPages). */
export async function planRotations(options: PlanOptions): Promise<PlanEntry[]> {
  const plan: PlanEntry[] = [];
  for await (const page of planPages(options)) plan.push(...page);
  return plan;
}

/** Yields each page's managed secrets, planned, in listing order. */
export async function* planPages(options: PlanPagesOptions): AsyncGenerator<PlanEntry[]> {
  const now = options.now ?? Date.now();
  const limits = options.policy ?? DEFAULT_DEPLOY_POLICY;
  const limiter = new RateLimiter(options.kmsQps ?? 100);
  const listPage = (
    pageNumber: number,
  ): Promise<{ secrets: SecretSummary[]; totalCount: number }> =>
    callWithinBudget(limiter, () =>
      options.kms.listSecrets({ fetchTags: true, pageNumber, pageSize: PAGE_SIZE }),
    );
  let planned = 0;
  let listed = 0;
  // The next page is read while this one's candidates are confirmed.
  let nextPage: Promise<{ secrets: SecretSummary[]; totalCount: number }> | undefined = listPage(1);
  for (let page = 1; nextPage !== undefined; page++) {
    const listing: { secrets: SecretSummary[]; totalCount: number } = await nextPage;
    const { secrets: batch, totalCount } = listing;
    listed += batch.length;
    nextPage =
      batch.length === 0 || page * PAGE_SIZE >= totalCount ? undefined : listPage(page + 1);
    const managed: ListedSecret[] = [];
    for (const secret of batch) {
      if (secret.plannedDeleteTime !== undefined) continue;
      if (!secret.tags.some((tag) => tag.key === ROTATOR_TAG)) continue;
      managed.push({
        name: secret.secretName,
        tags: Object.fromEntries(secret.tags.map((t) => [t.key, t.value])),
      });
    }
    const entries = await mapBounded(managed, options.concurrency ?? 8, (secret) =>
      planListed(secret, { ...options, now, limits, limiter }),
    );
    planned += entries.length;
    options.onProgress?.(planned, planned + Math.max(0, totalCount - listed));
    if (entries.length > 0) yield entries;
  }
}

interface ListedContext extends PlanPagesOptions {
  now: number;
  limits: DeployPolicy;
  limiter: RateLimiter;
}

async function planListed(secret: ListedSecret, context: ListedContext): Promise<PlanEntry> {
  const { recordKey, now, limits, limiter } = context;
  const record =
    recordKey === undefined
      ? undefined
      : readRecord(recordKey, secret.name, secret.tags[ROTATED_TAG]);
  if (record !== undefined) {
    const entry = planFromRecord(secret, record, now, limits, context.dueFromRecord === true);
    if (entry !== undefined) return entry;
  }
  let versions: readonly VersionSummary[] | undefined;
  const entry = await planSecret(secret, {
    now,
    limits,
    readVersions: async () => {
      const read = await callWithinBudget(limiter, () =>
        context.kms.listSecretVersionIds({ secretName: secret.name }),
      );
      versions = read.versions;
      return versions;
    },
  });
  if (context.repairRecords && recordKey !== undefined && versions !== undefined) {
    await repairRecord(entry, versions, record, recordKey, context);
  }
  return entry;
}

/**
 * The entry the record alone gives, or undefined when the versions must be
 * read (see the file's comment for when).
 */
function planFromRecord(
  secret: ListedSecret,
  record: RotationRecord,
  now: number,
  limits: DeployPolicy,
  dueFromRecord: boolean,
): PlanEntry | undefined {
  const { tags } = secret;
  const functionName = functionNameFor(tags);
  if (functionName === "") return undefined;
  const policy = readRotationPolicy(tags);
  if (isPolicyProblem(policy)) return undefined;
  if (tags[REVOKE_PENDING_TAG] !== undefined) return undefined;
  const weakenings = tagWeakenings(secret.name, tags, limits);
  if (weakenings.length > 0) return undefined;
  const verdict = dueVerdict(policy, record.rotatedAt, now);
  const windowStart = policy.schedule
    ? previousOccurrence(policy.schedule.cron, now, policy.schedule.zone)
    : undefined;
  if (verdict.due) {
    const overdueAt = dueWindow(policy, record.rotatedAt)?.overdueAt;
    if (!dueFromRecord || overdueAt === undefined || overdueAt <= now) return undefined;
    return {
      secretName: secret.name,
      rotator: tags[ROTATOR_TAG] ?? "",
      functionName,
      tags,
      weakenings,
      lastRotation: record.rotatedAt,
      nextRotation: verdict.nextRotation,
      status: "due",
      reason: verdict.reason,
      windowStart,
      confirmAtRotation: true,
    };
  }
  const grace = graceFromRecord(tags, record, now, limits.minGraceMs);
  if (grace === "read") return undefined;
  return {
    secretName: secret.name,
    rotator: tags[ROTATOR_TAG] ?? "",
    functionName,
    tags,
    weakenings,
    lastRotation: record.rotatedAt,
    nextRotation: verdict.nextRotation,
    status: statusOf(policy, verdict.nextRotation),
    reason: verdict.reason,
    windowStart,
    grace,
  };
}

function statusOf(policy: RotationPolicy, nextRotation: number | undefined): PlanStatus {
  if (!policy.enabled) return "disabled";
  return nextRotation === undefined ? "unscheduled" : "scheduled";
}

/**
 * The grace state as far as the record tells it: ended (its
 * `rotor:grace-ended` names the version the record calls ACSPrevious),
 * still running (not shown: the previous version's id is not in the
 * listing), or "read" when it may have to be ended now.
 */
function graceFromRecord(
  tags: Readonly<Record<string, string>>,
  record: RotationRecord,
  now: number,
  minGraceMs: number,
): PlanEntry["grace"] | "read" {
  const text = tags[GRACE_PERIOD_TAG];
  if (text === undefined || record.previousDigest === undefined) return undefined;
  const grace = parseGracePeriod(text);
  if (typeof grace !== "number") return undefined;
  const endsAt = record.rotatedAt + Math.max(grace, minGraceMs);
  const ended = tags[GRACE_ENDED_TAG];
  if (ended !== undefined && versionDigest(ended) === record.previousDigest) {
    return { previousVersionId: ended, endsAt, ended: true };
  }
  return endsAt <= now ? "read" : undefined;
}

/** Writes the record the versions call for, when the one listed differs and the secret is not due. */
async function repairRecord(
  entry: PlanEntry,
  versions: readonly VersionSummary[],
  listed: RotationRecord | undefined,
  key: Buffer,
  context: ListedContext,
): Promise<void> {
  if (entry.status === "due" || entry.status === "invalid") return;
  const current = versions.find((version) => version.versionStages.includes(ACS_CURRENT));
  if (current === undefined) return;
  const previous = versions.find((version) => version.versionStages.includes(ACS_PREVIOUS));
  const wanted: RotationRecord = {
    rotatedAt: Date.parse(current.createTime),
    previousDigest: previous === undefined ? undefined : versionDigest(previous.versionId),
  };
  if (
    listed !== undefined &&
    listed.rotatedAt === wanted.rotatedAt &&
    listed.previousDigest === wanted.previousDigest
  ) {
    return;
  }
  try {
    await callWithinBudget(context.limiter, () =>
      context.kms.tagResource({
        secretName: entry.secretName,
        tags: [{ key: ROTATED_TAG, value: recordValue(key, entry.secretName, wanted) }],
      }),
    );
  } catch (error) {
    // The plan stands; the next run reads the versions again.
    context.warn?.("scheduler.record-not-written", {
      secret: entry.secretName,
      error: (error as Error).message,
    });
  }
}
