/**
 * An audit of every secret in the account, within KMS's API quotas:
 *
 * - ListSecrets, 100 a page with FetchTags, so tags come with the listing;
 *   no tag filter, which KMS caps at 4,000 matches and would hide the
 *   secrets nothing rotates.
 * - At most one more call per secret: ListSecretVersionIds for a secret
 *   Rotor manages (its last rotation and any pending version),
 *   DescribeSecret for a type KMS rotates itself (its AutomaticRotation),
 *   none for the rest (a generic secret nothing rotates, a secret being
 *   deleted): what the listing says is all there is to say.
 * - Every call within one budget of calls per second (default 20: half
 *   of the 40 per second KMS allows an account for listing and
 *   describing secrets, leaving the rest to the scheduler and the rotation
 *   functions), slowing down further when KMS throttles anyway.
 *
 * No call reads a value.
 */
import type { KmsClient, SecretSummary } from "@rotor/cloud-api";
import { DEFAULT_DEPLOY_POLICY, type DeployPolicy } from "../contract/deploy-policy.ts";
import { ROTATOR_TAG } from "../contract/tags/engine-tags.ts";
import { BUILT_IN_KINDS } from "../rotators/rotator-kinds.ts";
import { callWithinBudget, mapBounded, RateLimiter } from "../scheduler/rate-limiter.ts";
import * as found from "./audit-findings.ts";
import { auditKmsManagedSecret } from "./kms-managed-audit.ts";
import { auditRotorSecret } from "./rotor-secret-audit.ts";
import { type Finding, type SecretAudit, worstStatus } from "./secret-audit.ts";

/** Calls per second unless told otherwise. */
export const DEFAULT_AUDIT_QPS = 20;
/** The most secrets a ListSecrets page holds. */
export const LIST_PAGE_SIZE = 100;

export type AuditPhase = "listing" | "reading";

export interface AccountAuditOptions {
  kms: KmsClient;
  now?: number;
  /** Our budget of KMS calls per second (default DEFAULT_AUDIT_QPS). */
  kmsQps?: number;
  /** Reads in flight at once (default 8). */
  concurrency?: number;
  /** The deployment limits tags are judged by (default: Rotor's). */
  limits?: DeployPolicy;
  /** Secrets listed so far, then secrets audited so far, each out of the account's total. */
  onProgress?: (phase: AuditPhase, done: number, total: number) => void;
}

export interface AccountAudit {
  /** Epoch ms the audit judged the account at. */
  auditedAt: number;
  /** Every secret, by name. */
  secrets: SecretAudit[];
}

export async function auditAccount(options: AccountAuditOptions): Promise<AccountAudit> {
  const now = options.now ?? Date.now();
  const limits = options.limits ?? DEFAULT_DEPLOY_POLICY;
  const limiter = new RateLimiter(options.kmsQps ?? DEFAULT_AUDIT_QPS);
  const within = <T>(call: () => Promise<T>) => callWithinBudget(limiter, call);
  const listed = await listEverySecret(options.kms, within, options.onProgress);
  const secrets = await mapBounded(
    listed,
    options.concurrency ?? 8,
    (secret) => auditSecret(secret, { kms: options.kms, within, now, limits }),
    options.onProgress && ((done, total) => options.onProgress?.("reading", done, total)),
  );
  return {
    auditedAt: now,
    secrets: secrets.sort((a, b) => (a.secretName < b.secretName ? -1 : 1)),
  };
}

type Within = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * Every secret, page by page. A secret created or deleted meanwhile can
 * shift the pages; one listed twice is kept once.
 */
async function listEverySecret(
  kms: KmsClient,
  within: Within,
  onProgress: AccountAuditOptions["onProgress"],
): Promise<SecretSummary[]> {
  const byName = new Map<string, SecretSummary>();
  for (let page = 1; ; page++) {
    const { secrets, totalCount } = await within(() =>
      kms.listSecrets({ fetchTags: true, pageNumber: page, pageSize: LIST_PAGE_SIZE }),
    );
    for (const secret of secrets) byName.set(secret.secretName, secret);
    onProgress?.("listing", Math.min(byName.size, totalCount), totalCount);
    if (secrets.length === 0 || page * LIST_PAGE_SIZE >= totalCount) break;
  }
  return [...byName.values()];
}

async function auditSecret(
  secret: SecretSummary,
  context: { kms: KmsClient; within: Within; now: number; limits: DeployPolicy },
): Promise<SecretAudit> {
  const { kms, within, now, limits } = context;
  const secretName = secret.secretName;
  const tags = Object.fromEntries(secret.tags.map((tag) => [tag.key, tag.value]));
  const listed = { name: secretName, tags, secretType: secret.secretType };
  if (secret.plannedDeleteTime !== undefined) {
    return listingOnly(secret, found.deleting(secretName, secret.plannedDeleteTime), tags);
  }
  if (secret.secretType !== "Generic") {
    return auditKmsManagedSecret(
      { ...listed, createTime: secret.createTime },
      { now, describe: () => within(() => kms.describeSecret({ secretName })) },
    );
  }
  if (tags[ROTATOR_TAG] === undefined) {
    return listingOnly(secret, found.unmanaged(BUILT_IN_KINDS), tags);
  }
  return auditRotorSecret(listed, {
    now,
    limits,
    readVersions: async () =>
      (await within(() => kms.listSecretVersionIds({ secretName, includeDeprecated: true })))
        .versions,
  });
}

/** A secret judged from its listing alone. */
function listingOnly(
  secret: SecretSummary,
  finding: Finding,
  tags: Readonly<Record<string, string>>,
): SecretAudit {
  const rotator = tags[ROTATOR_TAG];
  return {
    secretName: secret.secretName,
    secretType: secret.secretType,
    rotator: rotator === undefined ? undefined : found.quoted(rotator),
    functionName: undefined,
    policy: undefined,
    lastRotation: undefined,
    nextDue: undefined,
    overdueSince: undefined,
    pending: undefined,
    kmsAutomaticRotation: undefined,
    status: worstStatus([finding]),
    findings: [finding],
  };
}
