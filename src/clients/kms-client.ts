/**
 * Typed calls to KMS Secrets Manager (API 2016-01-20). Each method maps one
 * OpenAPI action: it turns typed arguments into the query the action takes
 * (lists and objects as JSON strings, booleans as "true"/"false") and
 * unwraps the answer's `{"VersionStages":{"VersionStage":[…]}}` style lists.
 */
import { type CallerOptions, OpenApiCaller } from "./openapi-caller.ts";
import { optionalStr, str, type WireObject, wrappedList } from "./response-fields.ts";

export interface Tag {
  key: string;
  value: string;
}

export type SecretDataType = "text" | "binary";

export interface SecretValue {
  secretName: string;
  secretType: string;
  /** The value; base64 when secretDataType is binary. */
  secretData: string;
  secretDataType: SecretDataType;
  versionId: string;
  versionStages: string[];
  createTime: string;
  extendedConfig?: string | undefined;
  requestId: string;
}

export interface VersionSummary {
  versionId: string;
  createTime: string;
  versionStages: string[];
}

export interface SecretDescription {
  arn: string;
  secretName: string;
  secretType: string;
  description: string;
  createTime: string;
  updateTime: string;
  plannedDeleteTime?: string | undefined;
  extendedConfig?: string | undefined;
  /**
   * KMS's own rotation, for the types it manages (Rds, RAMCredentials, ECS,
   * PolarDB, Redis): `Enabled`, `Disabled` or `Invalid`, the interval as
   * KMS writes it (`30d`, `604800s`), and its last and next rotation.
   */
  automaticRotation?: string | undefined;
  rotationInterval?: string | undefined;
  lastRotationDate?: string | undefined;
  nextRotationDate?: string | undefined;
  tags: Tag[];
  requestId: string;
}

export interface SecretSummary {
  secretName: string;
  secretType: string;
  createTime: string;
  updateTime: string;
  plannedDeleteTime?: string | undefined;
  tags: Tag[];
}

/** One entry of ListSecrets' Filters: values are OR-ed, entries AND-ed. */
export interface SecretFilter {
  key: "SecretName" | "Description" | "TagKey" | "TagValue" | "SecretType";
  values: string[];
}

export interface RandomPasswordPolicy {
  length?: number;
  excludeCharacters?: string;
  excludeLowercase?: boolean;
  excludeUppercase?: boolean;
  excludeNumbers?: boolean;
  excludePunctuation?: boolean;
  requireEachIncludedType?: boolean;
}

export type KmsClientOptions = Omit<CallerOptions, "product">;

export class KmsClient {
  readonly caller: OpenApiCaller;

  constructor(options: KmsClientOptions = {}) {
    this.caller = new OpenApiCaller({ ...options, product: "kms" });
  }

  async createSecret(input: {
    secretName: string;
    secretData: string;
    versionId: string;
    secretDataType?: SecretDataType;
    description?: string;
    encryptionKeyId?: string;
    tags?: Tag[];
  }): Promise<{ arn: string; versionId: string; requestId: string }> {
    const body = await this.caller.call<WireObject>("CreateSecret", {
      SecretName: input.secretName,
      SecretData: input.secretData,
      VersionId: input.versionId,
      SecretDataType: input.secretDataType,
      Description: input.description,
      EncryptionKeyId: input.encryptionKeyId,
      Tags: input.tags ? JSON.stringify(toTagsParameter(input.tags)) : undefined,
    });
    return { arn: str(body.Arn), versionId: str(body.VersionId), requestId: str(body.RequestId) };
  }

  /** Reads a version by stage (default ACSCurrent) or by id. */
  async getSecretValue(input: {
    secretName: string;
    versionStage?: string | undefined;
    versionId?: string | undefined;
  }): Promise<SecretValue> {
    const body = await this.caller.call<WireObject>("GetSecretValue", {
      SecretName: input.secretName,
      VersionStage: input.versionStage,
      VersionId: input.versionId,
    });
    return {
      secretName: str(body.SecretName),
      secretType: str(body.SecretType),
      secretData: str(body.SecretData),
      secretDataType: body.SecretDataType === "binary" ? "binary" : "text",
      versionId: str(body.VersionId),
      versionStages: wrappedList(body.VersionStages, "VersionStage").map(String),
      createTime: str(body.CreateTime),
      extendedConfig: optionalStr(body.ExtendedConfig),
      requestId: str(body.RequestId),
    };
  }

  /** Stores a new version; without versionStages it becomes ACSCurrent. */
  async putSecretValue(input: {
    secretName: string;
    secretData: string;
    versionId: string;
    versionStages?: string[] | undefined;
    secretDataType?: SecretDataType;
  }): Promise<{ versionId: string; versionStages: string[]; requestId: string }> {
    const body = await this.caller.call<WireObject>("PutSecretValue", {
      SecretName: input.secretName,
      SecretData: input.secretData,
      VersionId: input.versionId,
      SecretDataType: input.secretDataType,
      VersionStages: input.versionStages ? JSON.stringify(input.versionStages) : undefined,
    });
    return {
      versionId: str(body.VersionId),
      versionStages: wrappedList(body.VersionStages, "VersionStage").map(String),
      requestId: str(body.RequestId),
    };
  }

  /** Moves a stage label to a version, removes it from one, or both at once. */
  async updateSecretVersionStage(input: {
    secretName: string;
    versionStage: string;
    moveToVersion?: string | undefined;
    removeFromVersion?: string | undefined;
  }): Promise<{ requestId: string }> {
    const body = await this.caller.call<WireObject>("UpdateSecretVersionStage", {
      SecretName: input.secretName,
      VersionStage: input.versionStage,
      MoveToVersion: input.moveToVersion,
      RemoveFromVersion: input.removeFromVersion,
    });
    return { requestId: str(body.RequestId) };
  }

  /** Every version of a secret (all pages); with includeDeprecated, those without a stage too. */
  async listSecretVersionIds(input: {
    secretName: string;
    includeDeprecated?: boolean;
  }): Promise<{ versions: VersionSummary[]; requestIds: string[] }> {
    const versions: VersionSummary[] = [];
    const requestIds: string[] = [];
    for (let page = 1; ; page++) {
      const body = await this.caller.call<WireObject>("ListSecretVersionIds", {
        SecretName: input.secretName,
        IncludeDeprecated: input.includeDeprecated ? "true" : undefined,
        PageNumber: page,
        PageSize: 100,
      });
      requestIds.push(str(body.RequestId));
      const entries = wrappedList(body.VersionIds, "VersionId") as WireObject[];
      for (const entry of entries) {
        versions.push({
          versionId: str(entry.VersionId),
          createTime: str(entry.CreateTime),
          versionStages: wrappedList(entry.VersionStages, "VersionStage").map(String),
        });
      }
      if (entries.length === 0 || versions.length >= Number(body.TotalCount ?? 0)) break;
    }
    return { versions, requestIds };
  }

  async describeSecret(input: {
    secretName: string;
    fetchTags?: boolean;
  }): Promise<SecretDescription> {
    const body = await this.caller.call<WireObject>("DescribeSecret", {
      SecretName: input.secretName,
      FetchTags: input.fetchTags ? "true" : undefined,
    });
    return {
      arn: str(body.Arn),
      secretName: str(body.SecretName),
      secretType: str(body.SecretType),
      description: str(body.Description),
      createTime: str(body.CreateTime),
      updateTime: str(body.UpdateTime),
      plannedDeleteTime: optionalStr(body.PlannedDeleteTime),
      extendedConfig: optionalStr(body.ExtendedConfig),
      automaticRotation: optionalStr(body.AutomaticRotation),
      rotationInterval: optionalStr(body.RotationInterval),
      lastRotationDate: optionalStr(body.LastRotationDate),
      nextRotationDate: optionalStr(body.NextRotationDate),
      tags: fromResponseBodyTags(body.Tags),
      requestId: str(body.RequestId),
    };
  }

  /** One page of ListSecrets. */
  async listSecrets(input: {
    filters?: SecretFilter[];
    fetchTags?: boolean;
    pageNumber?: number;
    pageSize?: number;
  }): Promise<{ secrets: SecretSummary[]; totalCount: number; requestId: string }> {
    const body = await this.caller.call<WireObject>("ListSecrets", {
      FetchTags: input.fetchTags ? "true" : undefined,
      PageNumber: input.pageNumber,
      PageSize: input.pageSize,
      Filters: input.filters
        ? JSON.stringify(input.filters.map((f) => ({ Key: f.key, Values: f.values })))
        : undefined,
    });
    const secrets = (wrappedList(body.SecretList, "Secret") as WireObject[]).map((entry) => ({
      secretName: str(entry.SecretName),
      secretType: str(entry.SecretType),
      createTime: str(entry.CreateTime),
      updateTime: str(entry.UpdateTime),
      plannedDeleteTime: optionalStr(entry.PlannedDeleteTime),
      tags: fromResponseBodyTags(entry.Tags),
    }));
    return { secrets, totalCount: Number(body.TotalCount ?? 0), requestId: str(body.RequestId) };
  }

  /** Every secret matching the filters, page by page (100 a page, the most KMS allows). */
  async *listAllSecrets(input: {
    filters?: SecretFilter[];
    fetchTags?: boolean;
  }): AsyncGenerator<SecretSummary> {
    let seen = 0;
    for (let page = 1; ; page++) {
      const { secrets, totalCount } = await this.listSecrets({
        ...input,
        pageNumber: page,
        pageSize: 100,
      });
      for (const secret of secrets) yield secret;
      seen += secrets.length;
      if (secrets.length === 0 || seen >= totalCount) return;
    }
  }

  async updateSecret(input: {
    secretName: string;
    description?: string;
    extendedConfig?: string;
  }): Promise<{ requestId: string }> {
    const body = await this.caller.call<WireObject>("UpdateSecret", {
      SecretName: input.secretName,
      Description: input.description,
      ExtendedConfig: input.extendedConfig,
    });
    return { requestId: str(body.RequestId) };
  }

  async deleteSecret(input: {
    secretName: string;
    forceDeleteWithoutRecovery?: boolean;
    recoveryWindowInDays?: number;
  }): Promise<{ plannedDeleteTime?: string | undefined; requestId: string }> {
    const body = await this.caller.call<WireObject>("DeleteSecret", {
      SecretName: input.secretName,
      ForceDeleteWithoutRecovery: input.forceDeleteWithoutRecovery ? "true" : undefined,
      RecoveryWindowInDays: input.recoveryWindowInDays,
    });
    return {
      plannedDeleteTime: optionalStr(body.PlannedDeleteTime),
      requestId: str(body.RequestId),
    };
  }

  async restoreSecret(input: { secretName: string }): Promise<{ requestId: string }> {
    const body = await this.caller.call<WireObject>("RestoreSecret", {
      SecretName: input.secretName,
    });
    return { requestId: str(body.RequestId) };
  }

  async getRandomPassword(
    policy: RandomPasswordPolicy = {},
  ): Promise<{ randomPassword: string; requestId: string }> {
    const body = await this.caller.call<WireObject>("GetRandomPassword", {
      PasswordLength: policy.length,
      ExcludeCharacters: policy.excludeCharacters,
      ExcludeLowercase: policy.excludeLowercase,
      ExcludeUppercase: policy.excludeUppercase,
      ExcludeNumbers: policy.excludeNumbers,
      ExcludePunctuation: policy.excludePunctuation,
      RequireEachIncludedType: policy.requireEachIncludedType,
    });
    return { randomPassword: str(body.RandomPassword), requestId: str(body.RequestId) };
  }

  async tagResource(input: { secretName: string; tags: Tag[] }): Promise<{ requestId: string }> {
    const body = await this.caller.call<WireObject>("TagResource", {
      SecretName: input.secretName,
      Tags: JSON.stringify(toTagsParameter(input.tags)),
    });
    return { requestId: str(body.RequestId) };
  }

  async untagResource(input: {
    secretName: string;
    tagKeys: string[];
  }): Promise<{ requestId: string }> {
    const body = await this.caller.call<WireObject>("UntagResource", {
      SecretName: input.secretName,
      TagKeys: JSON.stringify(input.tagKeys),
    });
    return { requestId: str(body.RequestId) };
  }
}

/** The JSON shape of the Tags request parameter. */
function toTagsParameter(tags: Tag[]): { TagKey: string; TagValue: string }[] {
  return tags.map((tag) => ({ TagKey: tag.key, TagValue: tag.value }));
}

function fromResponseBodyTags(wire: unknown): Tag[] {
  return (wrappedList(wire, "Tag") as WireObject[]).map((tag) => ({
    key: str(tag.TagKey),
    value: str(tag.TagValue),
  }));
}
