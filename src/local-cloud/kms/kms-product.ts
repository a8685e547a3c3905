/**
 * KMS Secrets Manager (API 2016-01-20) in the local cloud, following the
 * documented semantics: stage rules, idempotent PutSecretValue, the
 * 10-version and 8-stage caps, recovery windows, and generic-only
 * operations refused for managed secrets.
 */
import { CloudApiError, cloudErrors } from "../api-error.ts";
import {
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalJson,
  optionalString,
  type RawParams,
  requiredString,
} from "../params.ts";
import type { ActionContext, ActionHandler, Product } from "../product.ts";
import { NO_CHANGE, type RecordStore } from "../state/record-store.ts";
import { isoSeconds } from "../time-format.ts";
import { isTagFilter, parseFilters } from "./list-filters.ts";
import { randomPassword } from "./random-password.ts";
import { SecretIndex } from "./secret-index.ts";
import {
  ACS_CURRENT,
  ACS_PREVIOUS,
  checkStageCap,
  enforceVersionCap,
  findVersion,
  isManaged,
  MAX_TAGS,
  moveStage,
  removeStage,
  SECRET_TYPES,
  type SecretRecord,
  type VersionRecord,
  versionWithStage,
} from "./secret-record.ts";

export const KMS_API_VERSION = "2016-01-20";

const SECRET_NAME = {
  maxLength: 192,
  pattern: /^[A-Za-z0-9_/+=.@-]+$/,
  patternText: "use at most 192 letters, digits and _/+=.@-",
};
const VERSION_ID = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9_.:@+=/-]+$/,
  patternText: "use letters, digits and _.:@+=/-",
};
const STAGE = {
  maxLength: 64,
  pattern: /^[A-Za-z0-9_.-]+$/,
  patternText: "use letters, digits and _.-",
};
const MAX_SECRET_DATA_BYTES = 30_720;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface KmsOptions {
  region: string;
  accountId: string;
  store: RecordStore<SecretRecord>;
  /**
   * Whether moving ACSCurrent with UpdateSecretVersionStage also moves
   * ACSPrevious to the old current version. PutSecretValue does; for
   * UpdateSecretVersionStage it is unconfirmed, so it can be switched off to
   * prove that callers set ACSPrevious themselves.
   */
  currentMovesPrevious: boolean;
  /**
   * At most this many secrets may match ListSecrets' tag filters (the quota
   * preset's cap, as Alibaba documents it); undefined: no cap.
   */
  tagFilterMatchLimit?: number | undefined;
}

export function createKmsProduct(options: KmsOptions): Product {
  const { store, region, accountId } = options;
  const stageOptions = { currentMovesPrevious: options.currentMovesPrevious };
  const arnOf = (name: string) => `acs:kms:${region}:${accountId}:secret/${name}`;
  const collectionArn = `acs:kms:${region}:${accountId}:secret`;
  const index = new SecretIndex(store);

  /** The secret's name, from SecretName or its ARN. */
  const secretNameParam = (params: RawParams): string => {
    const raw = requiredString(params, "SecretName", { maxLength: 256 });
    const prefix = `acs:kms:${region}:${accountId}:secret/`;
    const name = raw.startsWith("acs:")
      ? raw.startsWith(prefix)
        ? raw.slice(prefix.length)
        : ""
      : raw;
    if (!name || name.length > SECRET_NAME.maxLength || !SECRET_NAME.pattern.test(name)) {
      throw cloudErrors.invalidParameter("SecretName", SECRET_NAME.patternText);
    }
    return name;
  };

  /** A secret that exists and is not waiting out its recovery window. */
  const liveSecret = (
    record: SecretRecord | undefined,
    name: string,
    now: number,
  ): SecretRecord => {
    if (!record || isPurged(record, now)) throw cloudErrors.notFound(`secret ${name}`);
    if (record.plannedDeleteTime !== undefined) {
      throw new CloudApiError(
        409,
        "Rejected.ResourceInDeleteWindow",
        `The secret ${name} is scheduled for deletion; restore it with RestoreSecret first.`,
      );
    }
    return record;
  };

  const genericOnly = (record: SecretRecord, action: string) => {
    if (isManaged(record)) {
      // UNCONFIRMED code: KMS refuses these for managed secrets, code not documented.
      throw new CloudApiError(
        400,
        "UnsupportedOperation",
        `${action} is available for Generic secrets only; ${record.name} is a managed ${record.type} secret rotated by KMS.`,
      );
    }
  };

  const actions: Record<string, ActionHandler> = {
    async CreateSecret(ctx) {
      const p = ctx.params;
      const name = requiredString(p, "SecretName", SECRET_NAME);
      const data = requiredString(p, "SecretData", { maxLength: MAX_SECRET_DATA_BYTES });
      const versionId = requiredString(p, "VersionId", VERSION_ID);
      const dataType = optionalEnum(p, "SecretDataType", ["text", "binary"] as const) ?? "text";
      const type = optionalEnum(p, "SecretType", SECRET_TYPES) ?? "Generic";
      const description = optionalString(p, "Description", { maxLength: 8192 }) ?? "";
      const encryptionKeyId = optionalString(p, "EncryptionKeyId", { maxLength: 256 }) ?? "";
      const tags = parseTags(p, "Tags");
      const extendedConfig = parseExtendedConfig(p);
      const automaticRotation = optionalBoolean(p, "EnableAutomaticRotation") ?? false;
      const rotationInterval = parseRotationInterval(p);
      if (dataType === "binary") checkBase64(data, "SecretData");
      if (type === "Generic" && (automaticRotation || rotationInterval)) {
        throw cloudErrors.invalidParameter(
          "EnableAutomaticRotation",
          "KMS rotates managed secrets only; a Generic secret is rotated by a function such as Rotor",
        );
      }
      if (type !== "Generic" && extendedConfig === undefined)
        throw cloudErrors.missingParameter("ExtendedConfig");
      ctx.authorize("kms:CreateSecret", collectionArn);
      return store.update(name, (current) => {
        if (current && !isPurged(current, ctx.now)) {
          if (current.plannedDeleteTime !== undefined) {
            throw new CloudApiError(
              409,
              "Rejected.ResourceInDeleteWindow",
              `The secret ${name} is scheduled for deletion.`,
            );
          }
          throw new CloudApiError(
            409,
            "Rejected.ResourceExist",
            `The secret ${name} already exists.`,
          );
        }
        const next: SecretRecord = {
          name,
          type,
          description,
          encryptionKeyId,
          createTime: ctx.now,
          updateTime: ctx.now,
          extendedConfig,
          automaticRotation,
          rotationInterval,
          tags,
          versions: [{ versionId, data, dataType, createTime: ctx.now, stages: [ACS_CURRENT] }],
        };
        return {
          next,
          result: {
            Arn: arnOf(name),
            VersionId: versionId,
            SecretName: name,
            SecretType: type,
            AutomaticRotation: automaticRotation ? "Enabled" : "Disabled",
            RotationInterval: rotationInterval,
          },
        };
      });
    },

    async GetSecretValue(ctx) {
      const name = secretNameParam(ctx.params);
      const stage = optionalString(ctx.params, "VersionStage", STAGE);
      const versionId = optionalString(ctx.params, "VersionId", VERSION_ID);
      const fetchExtendedConfig = optionalBoolean(ctx.params, "FetchExtendedConfig") ?? false;
      ctx.authorize("kms:GetSecretValue", arnOf(name));
      const record = liveSecret(store.get(name), name, ctx.now);
      let version: VersionRecord | undefined;
      if (versionId !== undefined) {
        version = findVersion(record, versionId);
        if (!version) throw cloudErrors.notFound(`version ${versionId} of secret ${name}`);
        if (stage !== undefined && !version.stages.includes(stage)) {
          throw cloudErrors.invalidParameter(
            "VersionStage",
            `the version ${versionId} does not carry the stage ${stage}`,
          );
        }
      } else {
        const wanted = stage ?? ACS_CURRENT;
        version = versionWithStage(record, wanted);
        if (!version) throw cloudErrors.notFound(`stage ${wanted} of secret ${name}`);
      }
      return {
        SecretName: record.name,
        SecretType: record.type,
        SecretData: version.data,
        SecretDataType: version.dataType,
        VersionId: version.versionId,
        VersionStages: { VersionStage: [...version.stages] },
        CreateTime: isoSeconds(version.createTime),
        AutomaticRotation: record.automaticRotation ? "Enabled" : "Disabled",
        RotationInterval: record.rotationInterval,
        LastRotationDate: record.lastRotationTime ? isoSeconds(record.lastRotationTime) : undefined,
        ExtendedConfig: fetchExtendedConfig ? record.extendedConfig : undefined,
      };
    },

    async PutSecretValue(ctx) {
      const name = secretNameParam(ctx.params);
      const data = requiredString(ctx.params, "SecretData", { maxLength: MAX_SECRET_DATA_BYTES });
      const versionId = requiredString(ctx.params, "VersionId", VERSION_ID);
      const dataType =
        optionalEnum(ctx.params, "SecretDataType", ["text", "binary"] as const) ?? "text";
      const stages = parseStages(ctx.params) ?? [ACS_CURRENT];
      if (dataType === "binary") checkBase64(data, "SecretData");
      ctx.authorize("kms:PutSecretValue", arnOf(name));
      return store.update(name, (current) => {
        const record = liveSecret(current, name, ctx.now);
        genericOnly(record, "PutSecretValue");
        const existing = findVersion(record, versionId);
        if (existing) {
          if (existing.data !== data || existing.dataType !== dataType) {
            throw new CloudApiError(
              409,
              "Rejected.ResourceExist",
              `The version ${versionId} of secret ${name} already exists with different data.`,
            );
          }
          // Same id, same data: a retry of a call that already succeeded.
          return {
            next: NO_CHANGE,
            result: {
              SecretName: name,
              VersionId: versionId,
              VersionStages: { VersionStage: [...existing.stages] },
            },
          };
        }
        const version: VersionRecord = {
          versionId,
          data,
          dataType,
          createTime: ctx.now,
          stages: [],
        };
        record.versions.push(version);
        for (const stage of stages)
          moveStage(record, stage, version, { currentMovesPrevious: true });
        checkStageCap(record);
        enforceVersionCap(record);
        record.updateTime = ctx.now;
        if (stages.includes(ACS_CURRENT)) record.lastRotationTime = ctx.now;
        return {
          next: record,
          result: {
            SecretName: name,
            VersionId: versionId,
            VersionStages: { VersionStage: [...version.stages] },
          },
        };
      });
    },

    async UpdateSecretVersionStage(ctx) {
      const name = secretNameParam(ctx.params);
      const stage = requiredString(ctx.params, "VersionStage", STAGE);
      const moveTo = optionalString(ctx.params, "MoveToVersion", VERSION_ID);
      const removeFrom = optionalString(ctx.params, "RemoveFromVersion", VERSION_ID);
      if (moveTo === undefined && removeFrom === undefined)
        throw cloudErrors.missingParameter("MoveToVersion or RemoveFromVersion");
      if ((stage === ACS_CURRENT || stage === ACS_PREVIOUS) && moveTo === undefined) {
        throw cloudErrors.missingParameter("MoveToVersion");
      }
      ctx.authorize("kms:UpdateSecretVersionStage", arnOf(name));
      return store.update(name, (current) => {
        const record = liveSecret(current, name, ctx.now);
        genericOnly(record, "UpdateSecretVersionStage");
        const target = moveTo === undefined ? undefined : findVersion(record, moveTo);
        if (moveTo !== undefined && !target)
          throw cloudErrors.notFound(`version ${moveTo} of secret ${name}`);
        const source = removeFrom === undefined ? undefined : findVersion(record, removeFrom);
        if (removeFrom !== undefined) {
          if (!source) throw cloudErrors.notFound(`version ${removeFrom} of secret ${name}`);
          if (!source.stages.includes(stage)) {
            throw cloudErrors.invalidParameter(
              "RemoveFromVersion",
              `the version ${removeFrom} does not carry the stage ${stage}`,
            );
          }
        }
        if (target) moveStage(record, stage, target, stageOptions);
        else if (source) removeStage(record, stage, source);
        checkStageCap(record);
        record.updateTime = ctx.now;
        if (stage === ACS_CURRENT) record.lastRotationTime = ctx.now;
        return { next: record, result: { SecretName: name } };
      });
    },

    async ListSecretVersionIds(ctx) {
      const name = secretNameParam(ctx.params);
      const includeDeprecated = optionalBoolean(ctx.params, "IncludeDeprecated") ?? false;
      const pageNumber = optionalInteger(ctx.params, "PageNumber", { min: 1, max: 100_000 }) ?? 1;
      const pageSize = optionalInteger(ctx.params, "PageSize", { min: 1, max: 100 }) ?? 20;
      ctx.authorize("kms:ListSecretVersionIds", arnOf(name));
      const record = liveSecret(store.get(name), name, ctx.now);
      const versions = record.versions.filter(
        (version) => includeDeprecated || version.stages.length > 0,
      );
      const page = versions.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
      return {
        SecretName: name,
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: versions.length,
        VersionIds: {
          VersionId: page.map((version) => ({
            VersionId: version.versionId,
            CreateTime: isoSeconds(version.createTime),
            VersionStages: { VersionStage: [...version.stages] },
          })),
        },
      };
    },

    async DescribeSecret(ctx) {
      const name = secretNameParam(ctx.params);
      const fetchTags = optionalBoolean(ctx.params, "FetchTags") ?? false;
      ctx.authorize("kms:DescribeSecret", arnOf(name));
      const record = store.get(name);
      if (!record || isPurged(record, ctx.now)) throw cloudErrors.notFound(`secret ${name}`);
      return {
        Arn: arnOf(name),
        SecretName: name,
        SecretType: record.type,
        Description: record.description,
        EncryptionKeyId: record.encryptionKeyId,
        CreateTime: isoSeconds(record.createTime),
        UpdateTime: isoSeconds(record.updateTime),
        PlannedDeleteTime: record.plannedDeleteTime
          ? isoSeconds(record.plannedDeleteTime)
          : undefined,
        AutomaticRotation: record.automaticRotation ? "Enabled" : "Disabled",
        RotationInterval: record.rotationInterval,
        LastRotationDate: record.lastRotationTime ? isoSeconds(record.lastRotationTime) : undefined,
        ExtendedConfig: record.extendedConfig,
        Tags: fetchTags ? wireTags(record) : undefined,
      };
    },

    async ListSecrets(ctx) {
      const fetchTags = optionalBoolean(ctx.params, "FetchTags") ?? false;
      const pageNumber = optionalInteger(ctx.params, "PageNumber", { min: 1, max: 1_000_000 }) ?? 1;
      const pageSize = optionalInteger(ctx.params, "PageSize", { min: 1, max: 100 }) ?? 10;
      const filters = parseFilters(ctx.params);
      ctx.authorize("kms:ListSecrets", collectionArn);
      const cap = options.tagFilterMatchLimit;
      if (cap !== undefined && filters.some(isTagFilter)) {
        if (index.countTagMatches(filters, ctx.now) > cap) throw tagFilterLimitExceeded(cap);
      }
      const page = index.page(filters, ctx.now, pageNumber, pageSize);
      return {
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: page.totalCount,
        SecretList: {
          Secret: page.records.map((record) => ({
            SecretName: record.name,
            SecretType: record.type,
            CreateTime: isoSeconds(record.createTime),
            UpdateTime: isoSeconds(record.updateTime),
            PlannedDeleteTime: record.plannedDeleteTime
              ? isoSeconds(record.plannedDeleteTime)
              : undefined,
            Tags: fetchTags ? wireTags(record) : undefined,
          })),
        },
      };
    },

    async UpdateSecret(ctx) {
      const name = secretNameParam(ctx.params);
      const description = optionalString(ctx.params, "Description", { maxLength: 8192 });
      const extendedConfig = parseExtendedConfig(ctx.params);
      ctx.authorize("kms:UpdateSecret", arnOf(name));
      return store.update(name, (current) => {
        const record = liveSecret(current, name, ctx.now);
        if (description !== undefined) record.description = description;
        if (extendedConfig !== undefined) record.extendedConfig = extendedConfig;
        record.updateTime = ctx.now;
        return { next: record, result: { SecretName: name } };
      });
    },

    async DeleteSecret(ctx) {
      const name = secretNameParam(ctx.params);
      const force = optionalBoolean(ctx.params, "ForceDeleteWithoutRecovery") ?? false;
      const windowDays =
        optionalInteger(ctx.params, "RecoveryWindowInDays", { min: 7, max: 30 }) ?? 30;
      ctx.authorize("kms:DeleteSecret", arnOf(name));
      return store.update<Record<string, unknown>>(name, (current) => {
        if (!current || isPurged(current, ctx.now)) throw cloudErrors.notFound(`secret ${name}`);
        if (force) return { next: undefined, result: { SecretName: name } };
        if (current.plannedDeleteTime !== undefined) {
          throw new CloudApiError(
            409,
            "Rejected.ResourceInDeleteWindow",
            `The secret ${name} is already scheduled for deletion.`,
          );
        }
        current.plannedDeleteTime = ctx.now + windowDays * DAY_MS;
        return {
          next: current,
          result: { SecretName: name, PlannedDeleteTime: isoSeconds(current.plannedDeleteTime) },
        };
      });
    },

    async RestoreSecret(ctx) {
      const name = secretNameParam(ctx.params);
      ctx.authorize("kms:RestoreSecret", arnOf(name));
      return store.update(name, (current) => {
        if (!current || isPurged(current, ctx.now)) throw cloudErrors.notFound(`secret ${name}`);
        if (current.plannedDeleteTime === undefined) {
          throw cloudErrors.invalidParameter(
            "SecretName",
            `the secret ${name} is not scheduled for deletion`,
          );
        }
        current.plannedDeleteTime = undefined;
        return { next: current, result: { SecretName: name } };
      });
    },

    async GetRandomPassword(ctx) {
      const p = ctx.params;
      const length = optionalInteger(p, "PasswordLength", { min: 8, max: 128 }) ?? 32;
      const request = {
        length,
        excludeCharacters: optionalString(p, "ExcludeCharacters", { maxLength: 128 }) ?? "",
        exclude: {
          lowercase: optionalBoolean(p, "ExcludeLowercase") ?? false,
          uppercase: optionalBoolean(p, "ExcludeUppercase") ?? false,
          numbers: optionalBoolean(p, "ExcludeNumbers") ?? false,
          punctuation: optionalBoolean(p, "ExcludePunctuation") ?? false,
        },
        requireEachIncludedType: optionalBoolean(p, "RequireEachIncludedType") ?? true,
      };
      ctx.authorize("kms:GetRandomPassword", "*");
      return { RandomPassword: randomPassword(request) };
    },

    async TagResource(ctx) {
      const name = secretNameParam(ctx.params);
      const tags = parseTags(ctx.params, "Tags");
      if (tags.length === 0) throw cloudErrors.missingParameter("Tags");
      ctx.authorize("kms:TagResource", arnOf(name));
      return store.update(name, (current) => {
        const record = liveSecret(current, name, ctx.now);
        for (const tag of tags) {
          const existing = record.tags.find((t) => t.key === tag.key);
          if (existing) existing.value = tag.value;
          else record.tags.push(tag);
        }
        if (record.tags.length > MAX_TAGS) {
          throw new CloudApiError(
            400,
            "Rejected.LimitExceeded",
            `A secret carries at most ${MAX_TAGS} tags.`,
          );
        }
        return { next: record, result: {} };
      });
    },

    async UntagResource(ctx) {
      const name = secretNameParam(ctx.params);
      const keys = optionalJson(ctx.params, "TagKeys");
      if (keys === undefined) throw cloudErrors.missingParameter("TagKeys");
      if (
        !Array.isArray(keys) ||
        keys.length === 0 ||
        !keys.every((key) => typeof key === "string")
      ) {
        throw cloudErrors.invalidParameter(
          "TagKeys",
          'expected a JSON array of tag keys, e.g. ["team"]',
        );
      }
      ctx.authorize("kms:UntagResource", arnOf(name));
      return store.update(name, (current) => {
        const record = liveSecret(current, name, ctx.now);
        record.tags = record.tags.filter((tag) => !keys.includes(tag.key));
        return { next: record, result: {} };
      });
    },
  };

  return { code: "kms", apiVersion: KMS_API_VERSION, actions };
}

function isPurged(record: SecretRecord, now: number): boolean {
  return record.plannedDeleteTime !== undefined && record.plannedDeleteTime <= now;
}

function wireTags(record: SecretRecord): { Tag: { TagKey: string; TagValue: string }[] } {
  return { Tag: record.tags.map((tag) => ({ TagKey: tag.key, TagValue: tag.value })) };
}

function checkBase64(data: string, name: string): void {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) {
    throw cloudErrors.invalidParameter(
      name,
      "SecretDataType is binary, so SecretData must be base64",
    );
  }
}

function parseStages(params: RawParams): string[] | undefined {
  const stages = optionalJson(params, "VersionStages");
  if (stages === undefined) return undefined;
  if (!Array.isArray(stages) || !stages.every((stage) => typeof stage === "string")) {
    throw cloudErrors.invalidParameter(
      "VersionStages",
      'expected a JSON array of stage names, e.g. ["ACSPending"]',
    );
  }
  for (const stage of stages) {
    if (stage.length === 0 || stage.length > STAGE.maxLength || !STAGE.pattern.test(stage)) {
      throw cloudErrors.invalidParameter(
        "VersionStages",
        `stage ${JSON.stringify(stage).slice(0, 80)}: ${STAGE.patternText}`,
      );
    }
  }
  return [...new Set(stages)];
}

function parseTags(params: RawParams, name: string): { key: string; value: string }[] {
  const tags = optionalJson(params, name);
  if (tags === undefined) return [];
  const shape = 'expected a JSON array like [{"TagKey":"team","TagValue":"db"}]';
  if (!Array.isArray(tags)) throw cloudErrors.invalidParameter(name, shape);
  if (tags.length > MAX_TAGS) throw cloudErrors.invalidParameter(name, `at most ${MAX_TAGS} tags`);
  return tags.map((tag: unknown) => {
    const entry = tag as { TagKey?: unknown; TagValue?: unknown };
    if (
      typeof entry !== "object" ||
      entry === null ||
      typeof entry.TagKey !== "string" ||
      typeof entry.TagValue !== "string"
    ) {
      throw cloudErrors.invalidParameter(name, shape);
    }
    const key = entry.TagKey;
    if (key.length === 0 || key.length > 128 || entry.TagValue.length > 256) {
      throw cloudErrors.invalidParameter(
        name,
        "tag keys take 1 to 128 characters, values at most 256",
      );
    }
    if (/^(aliyun|acs:)/i.test(key)) {
      throw cloudErrors.invalidParameter(
        name,
        `the tag key ${JSON.stringify(key)} uses a reserved prefix (aliyun, acs:)`,
      );
    }
    return { key, value: entry.TagValue };
  });
}

function parseExtendedConfig(params: RawParams): string | undefined {
  const value = optionalJson(params, "ExtendedConfig");
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw cloudErrors.invalidParameter("ExtendedConfig", "expected a JSON object");
  }
  return params.ExtendedConfig;
}

function parseRotationInterval(params: RawParams): string | undefined {
  const value = optionalString(params, "RotationInterval", { maxLength: 16 });
  if (value === undefined) return undefined;
  const match = /^(\d+)([dhs])$/.exec(value);
  const hours = match
    ? Number(match[1]) * { d: 24, h: 1, s: 1 / 3600 }[match[2] as "d" | "h" | "s"]
    : Number.NaN;
  if (!(hours >= 6 && hours <= 8760)) {
    throw cloudErrors.invalidParameter(
      "RotationInterval",
      'expected e.g. "30d" or "604800s", between 6 hours and 365 days',
    );
  }
  return value;
}

/** UNCONFIRMED code: Alibaba documents the cap, not what KMS answers beyond it. */
function tagFilterLimitExceeded(limit: number): CloudApiError {
  return new CloudApiError(
    400,
    "Rejected.LimitExceeded",
    `A ListSecrets tag filter may match at most ${limit} secrets; narrow it (e.g. with a SecretName filter) or list without the tag filter.`,
  );
}

export type { ActionContext };
