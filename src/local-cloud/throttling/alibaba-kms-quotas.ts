/**
 * Alibaba's QPS quotas for KMS Secrets Manager on the shared gateway, per
 * account and region, as the local cloud's `quotas: "alibaba"` preset. The
 * actions of a group share its limit. Alibaba publishes three of the
 * groups (KMS "performance data"); it does not say where the other secret
 * actions fall, so those groups are estimates, and named as such wherever
 * the numbers are shown. docs/local-cloud.md explains each choice.
 */

export interface QuotaGroup {
  /** Short name, used in stats and in `--quotas alibaba,<name>=<qps>`. */
  name: string;
  /** Lower-case product code, as the server routes it (`kms`). */
  product: string;
  perSecond: number;
  /** `published`: Alibaba's figure; `estimate`: ours, until Alibaba publishes one. */
  basis: "published" | "estimate";
  actions: readonly string[];
}

/**
 * Where a group's membership is our reading of Alibaba's wording rather
 * than a list Alibaba gives, the stricter reading is taken (the action goes
 * to the smaller quota): the local cloud should throttle no later than KMS.
 */
export const ALIBABA_KMS_QUOTAS: readonly QuotaGroup[] = [
  {
    // "Create or delete secrets": 10 QPS.
    name: "secret-create-delete",
    product: "kms",
    perSecond: 10,
    basis: "published",
    actions: ["CreateSecret", "DeleteSecret"],
  },
  {
    // "Query secret information and get secret values": 450 QPS.
    name: "secret-value",
    product: "kms",
    perSecond: 450,
    basis: "published",
    actions: ["GetSecretValue"],
  },
  {
    // "List secrets, query secret metadata and other low-frequency
    // operations": 40 QPS. DescribeSecret is documented as querying a
    // secret's metadata and ListSecretVersionIds is a listing, so both
    // count here rather than in the 450 QPS group (unconfirmed).
    name: "secret-list",
    product: "kms",
    perSecond: 40,
    basis: "published",
    actions: ["ListSecrets", "DescribeSecret", "ListSecretVersionIds"],
  },
  {
    // Not published. 30 QPS is what Alibaba publishes for the like
    // operations on keys ("create aliases and modify keys, aliases and
    // tags"), below the 40 QPS of the low-frequency group.
    name: "secret-write",
    product: "kms",
    perSecond: 30,
    basis: "estimate",
    actions: [
      "PutSecretValue",
      "UpdateSecretVersionStage",
      "UpdateSecret",
      "RestoreSecret",
      "TagResource",
      "UntagResource",
    ],
  },
  {
    // Not published. 50 QPS, the key-management read group's figure.
    name: "random-password",
    product: "kms",
    perSecond: 50,
    basis: "estimate",
    actions: ["GetRandomPassword"],
  },
];

/**
 * ListSecrets' reference: a listing filtered by tag may find at most 4,000
 * secrets (beyond that Alibaba points to ListResourceTags). What KMS
 * answers beyond it is unconfirmed; the local cloud refuses the call.
 */
export const ALIBABA_TAG_FILTER_MATCH_LIMIT = 4000;

export type QuotaPreset = "alibaba";

export interface QuotaOptions {
  preset: QuotaPreset;
  /** Multiplies every group's limit: below 1 a test reaches a limit with fewer calls. */
  scale?: number | undefined;
  /** Group name → calls per second, replacing the preset's (before `scale`). */
  limits?: Readonly<Record<string, number>> | undefined;
  /**
   * At most this many secrets may match a ListSecrets tag filter (TagKey,
   * TagValue); more is refused with Rejected.LimitExceeded. Default 4,000;
   * false: no cap.
   */
  tagFilterMatchLimit?: number | false | undefined;
}

/** The groups and caps a cloud enforces, options applied. */
export interface ResolvedQuotas {
  preset: QuotaPreset;
  groups: QuotaGroup[];
  tagFilterMatchLimit: number | undefined;
}

export function resolveQuotas(options: QuotaPreset | QuotaOptions): ResolvedQuotas {
  const {
    preset,
    scale = 1,
    limits = {},
    tagFilterMatchLimit,
  } = typeof options === "string" ? { preset: options } : options;
  if (preset !== "alibaba") {
    throw new Error(`unknown quota preset ${JSON.stringify(preset)}: the one preset is "alibaba"`);
  }
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new Error(`the quota scale must be a positive number, got ${scale}`);
  }
  const known = new Set(ALIBABA_KMS_QUOTAS.map((group) => group.name));
  for (const [name, perSecond] of Object.entries(limits)) {
    if (!known.has(name)) {
      throw new Error(
        `no quota group is named ${JSON.stringify(name)}; the groups are ${[...known].join(", ")}`,
      );
    }
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
      throw new Error(`the limit of ${name} must be a positive number, got ${perSecond}`);
    }
  }
  return {
    preset,
    groups: ALIBABA_KMS_QUOTAS.map((group) => ({
      ...group,
      perSecond: (limits[group.name] ?? group.perSecond) * scale,
    })),
    tagFilterMatchLimit:
      tagFilterMatchLimit === false
        ? undefined
        : (tagFilterMatchLimit ?? ALIBABA_TAG_FILTER_MATCH_LIMIT),
  };
}

/**
 * Parses the command's `--quotas`: `alibaba`, optionally followed by
 * `,GROUP=QPS` pairs that replace a group's limit (`alibaba,secret-write=40`).
 */
export function parseQuotaSpec(spec: string): {
  preset: QuotaPreset;
  limits: Record<string, number>;
} {
  const [preset, ...pairs] = spec.split(",").map((part) => part.trim());
  if (preset !== "alibaba") {
    throw new Error(
      `--quotas expects the preset "alibaba", optionally followed by ,GROUP=QPS pairs; got the preset ${JSON.stringify(preset)}`,
    );
  }
  const limits: Record<string, number> = {};
  for (const pair of pairs.filter(Boolean)) {
    const [group, rate] = pair.split("=");
    const perSecond = Number(rate);
    if (!group || rate === undefined || !(perSecond > 0) || !Number.isFinite(perSecond)) {
      throw new Error(
        `--quotas: ${JSON.stringify(pair)} is not GROUP=QPS with a positive QPS (e.g. secret-write=40)`,
      );
    }
    limits[group] = perSecond;
  }
  resolveQuotas({ preset, limits });
  return { preset, limits };
}
