/**
 * Small readers for KMS wire answers, shared by the local cloud's tests:
 * the stages of a version, a secret's versions as `{id: stages}`, and an
 * assertion that a call failed with a given status and code.
 */
import { expect } from "vitest";
import { type KmsDriver, type WireBody, WireError } from "../drivers/kms-driver.ts";

/** `{"VersionStages":{"VersionStage":[…]}}` → the list. */
export function stagesOf(body: WireBody): string[] {
  const wrapped = body.VersionStages as { VersionStage?: string[] } | undefined;
  return wrapped?.VersionStage ?? [];
}

/** Every version of a secret in creation order as `{versionId: stages}`. */
export async function listVersions(
  kms: KmsDriver,
  secretName: string,
  includeDeprecated = false,
): Promise<Record<string, string[]>> {
  const body = await kms.call("ListSecretVersionIds", {
    SecretName: secretName,
    ...(includeDeprecated ? { IncludeDeprecated: "true" } : {}),
  });
  const entries = (body.VersionIds as { VersionId?: WireBody[] } | undefined)?.VersionId ?? [];
  return Object.fromEntries(
    entries.map((entry) => [String(entry.VersionId), [...stagesOf(entry)].sort()]),
  );
}

/** The data of the version holding `stage` (default ACSCurrent). */
export async function secretValueOf(
  kms: KmsDriver,
  secretName: string,
  stage = "ACSCurrent",
): Promise<string> {
  const body = await kms.call("GetSecretValue", { SecretName: secretName, VersionStage: stage });
  return String(body.SecretData);
}

/** Awaits a call that must fail with `statusCode` and `code`; returns the error. */
export async function expectWireError(
  call: Promise<unknown>,
  statusCode: number,
  code: string,
): Promise<WireError> {
  const outcome = await call.then(
    (body) => ({ body }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) {
    throw new Error(`expected ${statusCode} ${code}, but the call succeeded`);
  }
  const { error } = outcome;
  if (!(error instanceof WireError)) throw error;
  expect({ statusCode: error.statusCode, code: error.code }).toEqual({ statusCode, code });
  return error;
}
