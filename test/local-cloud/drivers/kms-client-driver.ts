/**
 * Drives the local cloud through Rotor's own KmsClient. Each action goes
 * through its typed method, and the typed answer is written back into the
 * wire shape, so the scenarios check KmsClient's mapping both ways. What a
 * typed method cannot express (paging by hand, managed secret types,
 * malformed JSON on purpose) goes through the same client's `caller.call`.
 */

import { ApiError } from "../../../src/cloud-api/errors.ts";
import {
  KmsClient,
  type SecretDataType,
  type SecretFilter,
  type Tag,
} from "../../../src/cloud-api/kms-client.ts";
import { type KmsDriverFactory, type WireBody, WireError } from "./kms-driver.ts";

type Params = Readonly<Record<string, string>>;

/** Returns the wire body, or undefined when the typed method cannot express these params. */
type TypedCall = (kms: KmsClient, p: Params) => Promise<WireBody | undefined>;

interface TypedAction {
  /** The wire parameters the typed method takes. */
  accepts: readonly string[];
  run: TypedCall;
}

const NAME = "Rotor KmsClient (openapi-client, V3)";

export const kmsClientDriver: KmsDriverFactory = {
  name: NAME,
  create(cloud) {
    const kms = new KmsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      region: cloud.region,
      retry: { attempts: 1 },
      timeoutMs: 30_000,
    });
    return {
      name: NAME,
      async call(action, params) {
        try {
          const typed = TYPED_ACTIONS[action];
          const expressible =
            typed !== undefined &&
            Object.keys(params).every((name) => typed.accepts.includes(name));
          const body = expressible ? await typed.run(kms, params) : undefined;
          return body ?? (await kms.caller.call<WireBody>(action, { ...params }));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          const envelope = (error.cause as { data?: Record<string, unknown> }).data ?? {};
          throw new WireError(
            error.statusCode,
            error.code,
            String(envelope.Message),
            error.requestId,
            envelope,
            { cause: error },
          );
        }
      },
    };
  },
};

const TYPED_ACTIONS: Readonly<Record<string, TypedAction>> = {
  CreateSecret: {
    accepts: [
      "SecretName",
      "SecretData",
      "VersionId",
      "SecretDataType",
      "Description",
      "EncryptionKeyId",
      "Tags",
    ],
    async run(kms, p) {
      const tags = p.Tags === undefined ? undefined : tagsFromWire(p.Tags);
      if (tags === null) return undefined;
      const r = await kms.createSecret({
        secretName: p.SecretName ?? "",
        secretData: p.SecretData ?? "",
        versionId: p.VersionId ?? "",
        secretDataType: p.SecretDataType as SecretDataType | undefined,
        description: p.Description,
        encryptionKeyId: p.EncryptionKeyId,
        tags,
      });
      return { RequestId: r.requestId, Arn: r.arn, VersionId: r.versionId };
    },
  },
  GetSecretValue: {
    accepts: ["SecretName", "VersionStage", "VersionId"],
    async run(kms, p) {
      const r = await kms.getSecretValue({
        secretName: p.SecretName ?? "",
        versionStage: p.VersionStage,
        versionId: p.VersionId,
      });
      return {
        RequestId: r.requestId,
        SecretName: r.secretName,
        SecretType: r.secretType,
        SecretData: r.secretData,
        SecretDataType: r.secretDataType,
        VersionId: r.versionId,
        VersionStages: { VersionStage: r.versionStages },
        CreateTime: r.createTime,
      };
    },
  },
  PutSecretValue: {
    accepts: ["SecretName", "SecretData", "VersionId", "SecretDataType", "VersionStages"],
    async run(kms, p) {
      const stages = p.VersionStages === undefined ? undefined : stringsFromWire(p.VersionStages);
      if (stages === null) return undefined;
      const r = await kms.putSecretValue({
        secretName: p.SecretName ?? "",
        secretData: p.SecretData ?? "",
        versionId: p.VersionId ?? "",
        secretDataType: p.SecretDataType as SecretDataType | undefined,
        versionStages: stages,
      });
      return {
        RequestId: r.requestId,
        VersionId: r.versionId,
        VersionStages: { VersionStage: r.versionStages },
      };
    },
  },
  UpdateSecretVersionStage: {
    accepts: ["SecretName", "VersionStage", "MoveToVersion", "RemoveFromVersion"],
    async run(kms, p) {
      const r = await kms.updateSecretVersionStage({
        secretName: p.SecretName ?? "",
        versionStage: p.VersionStage ?? "",
        moveToVersion: p.MoveToVersion,
        removeFromVersion: p.RemoveFromVersion,
      });
      return { RequestId: r.requestId };
    },
  },
  ListSecretVersionIds: {
    // Paging by hand goes through caller.call: the typed method reads every page itself.
    accepts: ["SecretName", "IncludeDeprecated"],
    async run(kms, p) {
      const r = await kms.listSecretVersionIds({
        secretName: p.SecretName ?? "",
        includeDeprecated: p.IncludeDeprecated === "true",
      });
      return {
        RequestId: r.requestIds.at(-1),
        TotalCount: r.versions.length,
        VersionIds: {
          VersionId: r.versions.map((v) => ({
            VersionId: v.versionId,
            CreateTime: v.createTime,
            VersionStages: { VersionStage: v.versionStages },
          })),
        },
      };
    },
  },
  DescribeSecret: {
    accepts: ["SecretName", "FetchTags"],
    async run(kms, p) {
      const fetchTags = p.FetchTags === "true";
      const r = await kms.describeSecret({ secretName: p.SecretName ?? "", fetchTags });
      return {
        RequestId: r.requestId,
        Arn: r.arn,
        SecretName: r.secretName,
        SecretType: r.secretType,
        Description: r.description,
        CreateTime: r.createTime,
        UpdateTime: r.updateTime,
        PlannedDeleteTime: r.plannedDeleteTime,
        ExtendedConfig: r.extendedConfig,
        Tags: fetchTags ? { Tag: tagsToWire(r.tags) } : undefined,
      };
    },
  },
  ListSecrets: {
    accepts: ["FetchTags", "PageNumber", "PageSize", "Filters"],
    async run(kms, p) {
      const filters = p.Filters === undefined ? undefined : filtersFromWire(p.Filters);
      if (filters === null) return undefined;
      const fetchTags = p.FetchTags === "true";
      const r = await kms.listSecrets({
        filters,
        fetchTags,
        pageNumber: p.PageNumber === undefined ? undefined : Number(p.PageNumber),
        pageSize: p.PageSize === undefined ? undefined : Number(p.PageSize),
      });
      return {
        RequestId: r.requestId,
        TotalCount: r.totalCount,
        SecretList: {
          Secret: r.secrets.map((s) => ({
            SecretName: s.secretName,
            SecretType: s.secretType,
            CreateTime: s.createTime,
            UpdateTime: s.updateTime,
            PlannedDeleteTime: s.plannedDeleteTime,
            Tags: fetchTags ? { Tag: tagsToWire(s.tags) } : undefined,
          })),
        },
      };
    },
  },
  UpdateSecret: {
    accepts: ["SecretName", "Description", "ExtendedConfig"],
    async run(kms, p) {
      const r = await kms.updateSecret({
        secretName: p.SecretName ?? "",
        description: p.Description,
        extendedConfig: p.ExtendedConfig,
      });
      return { RequestId: r.requestId };
    },
  },
  DeleteSecret: {
    accepts: ["SecretName", "ForceDeleteWithoutRecovery", "RecoveryWindowInDays"],
    async run(kms, p) {
      const r = await kms.deleteSecret({
        secretName: p.SecretName ?? "",
        forceDeleteWithoutRecovery: p.ForceDeleteWithoutRecovery === "true",
        recoveryWindowInDays:
          p.RecoveryWindowInDays === undefined ? undefined : Number(p.RecoveryWindowInDays),
      });
      return { RequestId: r.requestId, PlannedDeleteTime: r.plannedDeleteTime };
    },
  },
  RestoreSecret: {
    accepts: ["SecretName"],
    async run(kms, p) {
      const r = await kms.restoreSecret({ secretName: p.SecretName ?? "" });
      return { RequestId: r.requestId };
    },
  },
  GetRandomPassword: {
    accepts: [
      "PasswordLength",
      "ExcludeCharacters",
      "ExcludeLowercase",
      "ExcludeUppercase",
      "ExcludeNumbers",
      "ExcludePunctuation",
      "RequireEachIncludedType",
    ],
    async run(kms, p) {
      const flag = (value: string | undefined) =>
        value === undefined ? undefined : value === "true";
      const r = await kms.getRandomPassword({
        length: p.PasswordLength === undefined ? undefined : Number(p.PasswordLength),
        excludeCharacters: p.ExcludeCharacters,
        excludeLowercase: flag(p.ExcludeLowercase),
        excludeUppercase: flag(p.ExcludeUppercase),
        excludeNumbers: flag(p.ExcludeNumbers),
        excludePunctuation: flag(p.ExcludePunctuation),
        requireEachIncludedType: flag(p.RequireEachIncludedType),
      });
      return { RequestId: r.requestId, RandomPassword: r.randomPassword };
    },
  },
  TagResource: {
    accepts: ["SecretName", "Tags"],
    async run(kms, p) {
      const tags = tagsFromWire(p.Tags ?? "");
      if (!tags) return undefined;
      const r = await kms.tagResource({ secretName: p.SecretName ?? "", tags });
      return { RequestId: r.requestId };
    },
  },
  UntagResource: {
    accepts: ["SecretName", "TagKeys"],
    async run(kms, p) {
      const tagKeys = stringsFromWire(p.TagKeys ?? "");
      if (!tagKeys) return undefined;
      const r = await kms.untagResource({ secretName: p.SecretName ?? "", tagKeys });
      return { RequestId: r.requestId };
    },
  },
};

/** Parses JSON the scenarios wrote; null when it is deliberately malformed. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function stringsFromWire(text: string): string[] | null {
  const value = parseJson(text);
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : null;
}

function tagsFromWire(text: string): Tag[] | null {
  const value = parseJson(text);
  if (!Array.isArray(value)) return null;
  const tags: Tag[] = [];
  for (const entry of value as { TagKey?: unknown; TagValue?: unknown }[]) {
    if (typeof entry?.TagKey !== "string" || typeof entry.TagValue !== "string") return null;
    tags.push({ key: entry.TagKey, value: entry.TagValue });
  }
  return tags;
}

function tagsToWire(tags: Tag[]): { TagKey: string; TagValue: string }[] {
  return tags.map((tag) => ({ TagKey: tag.key, TagValue: tag.value }));
}

const FILTER_KEYS: readonly string[] = [
  "SecretName",
  "Description",
  "TagKey",
  "TagValue",
  "SecretType",
] satisfies SecretFilter["key"][];

function filtersFromWire(text: string): SecretFilter[] | null {
  const value = parseJson(text);
  if (!Array.isArray(value)) return null;
  const filters: SecretFilter[] = [];
  for (const entry of value as { Key?: unknown; Values?: unknown }[]) {
    const key = entry?.Key;
    if (
      typeof key !== "string" ||
      !FILTER_KEYS.includes(key) ||
      !Array.isArray(entry.Values) ||
      !entry.Values.every((v) => typeof v === "string")
    )
      return null;
    filters.push({ key: key as SecretFilter["key"], values: entry.Values as string[] });
  }
  return filters;
}
