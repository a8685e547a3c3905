/**
 * The secrets client's API against the local cloud: selecting versions,
 * the JSON variant, refusing bad input before any call, and keeping secret
 * values out of everything printable.
 */
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient } from "../../src/client/secrets-client.ts";
import { ApiError, ConfigError, ValidationError } from "../../src/cloud-api/errors.ts";
import type { CallRecord } from "../../src/cloud-api/openapi-caller.ts";
import {
  type ClientTestCloud,
  newVersionId,
  startClientCloud,
  uniqueSecretName,
} from "./support/client-cloud.ts";

describe("SecretsClient API", () => {
  let cloud: ClientTestCloud;
  const calls: CallRecord[] = [];
  let client: SecretsClient;

  beforeAll(async () => {
    cloud = await startClientCloud();
    client = new SecretsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      observer: { before: (call) => void calls.push(call) },
    });
  });
  afterAll(async () => {
    client?.close();
    await cloud?.close();
  });

  it("reads ACSCurrent by default, another stage or a version id on request", async () => {
    // Prepare
    const secretName = uniqueSecretName("stages");
    const firstVersion = newVersionId();
    await cloud.admin.createSecret({ secretName, secretData: "one", versionId: firstVersion });
    await cloud.admin.putSecretValue({ secretName, secretData: "two", versionId: newVersionId() });

    // Act
    const current = await client.getSecret(secretName);
    const explicitCurrent = await client.getSecretVersion(secretName, { stage: "ACSCurrent" });
    const previous = await client.getSecret(secretName, { stage: "ACSPrevious" });
    const byId = await client.getSecretVersion(secretName, { versionId: firstVersion });

    // Assess
    expect(current).toBe("two");
    expect(explicitCurrent.value).toBe("two");
    expect(explicitCurrent.versionStages).toContain("ACSCurrent");
    expect(previous).toBe("one");
    expect(byId.value).toBe("one");
    expect(byId.versionStages).toContain("ACSPrevious");
  });

  it("hands a binary secret over as KMS returns it, base64 with its data type", async () => {
    // Prepare
    const secretName = uniqueSecretName("binary");
    const bytes = Buffer.from([0, 1, 2, 250, 255]).toString("base64");
    await cloud.admin.createSecret({
      secretName,
      secretData: bytes,
      secretDataType: "binary",
      versionId: newVersionId(),
    });

    // Act
    const version = await client.getSecretVersion(secretName);

    // Assess
    expect(version.dataType).toBe("binary");
    expect(Buffer.from(version.value, "base64")).toEqual(Buffer.from([0, 1, 2, 250, 255]));
  });

  it("answers a stage and version id that disagree with KMS's parameter error", async () => {
    // Prepare
    const secretName = uniqueSecretName("mismatch");
    const firstVersion = newVersionId();
    await cloud.admin.createSecret({ secretName, secretData: "one", versionId: firstVersion });
    await cloud.admin.putSecretValue({ secretName, secretData: "two", versionId: newVersionId() });

    // Act
    const read = client.getSecret(secretName, { stage: "ACSCurrent", versionId: firstVersion });

    // Assess
    await expect(read).rejects.toBeInstanceOf(ApiError);
    await expect(read).rejects.toMatchObject({ code: "InvalidParameter" });
  });

  it("parses JSON values, and names the secret without quoting a value that is not JSON", async () => {
    // Prepare
    const jsonName = uniqueSecretName("json");
    const textName = uniqueSecretName("text");
    await cloud.admin.createSecret({
      secretName: jsonName,
      secretData: JSON.stringify({ AccountName: "app", AccountPassword: "json-secret-1" }),
      versionId: newVersionId(),
    });
    await cloud.admin.createSecret({
      secretName: textName,
      secretData: "not-json-secret-2",
      versionId: newVersionId(),
    });

    // Act
    const parsed = await client.getSecretJson<{ AccountName: string }>(jsonName);
    const failure = await client.getSecretJson(textName).then(
      () => new Error("expected a failure"),
      (error: unknown) => error as Error,
    );

    // Assess
    expect(parsed.AccountName).toBe("app");
    expect(failure).toBeInstanceOf(ValidationError);
    expect(failure.message).toContain(textName);
    expect(failure.message).toContain("not valid JSON");
    expect(inspect(failure, { depth: 10 })).not.toContain("not-json-secret-2");
  });

  it("keeps the value out of a printed or serialised SecretVersion", async () => {
    // Prepare
    const secretName = uniqueSecretName("print");
    await cloud.admin.createSecret({
      secretName,
      secretData: "printable-secret-3",
      versionId: newVersionId(),
    });

    // Act
    const version = await client.getSecretVersion(secretName);
    const printed = [inspect(version, { depth: 10, showHidden: true }), JSON.stringify(version)];

    // Assess
    expect(version.value).toBe("printable-secret-3");
    for (const text of printed) {
      expect(text).toContain(secretName);
      expect(text).not.toContain("printable-secret-3");
    }
  });

  it("refuses a bad secret name or selector before calling KMS", async () => {
    // Prepare
    const before = calls.length;

    // Act
    const reads = [
      client.getSecret(""),
      client.getSecret("   "),
      client.getSecret(undefined as unknown as string),
      client.getSecret("x".repeat(300)),
      client.getSecret("ok", { stage: "" }),
      client.refresh("ok", { versionId: 7 as unknown as string }),
    ];

    // Assess
    for (const read of reads) await expect(read).rejects.toBeInstanceOf(ValidationError);
    await expect(reads[0]).rejects.toThrow(/secretName must be a non-empty string/);
    await expect(reads[4]).rejects.toThrow(/stage must be/);
    expect(calls.length).toBe(before);
  });

  it("refuses bad options by name when the client is made", () => {
    // Act
    const attempts = [
      () => new SecretsClient({ ttlMs: 0 }),
      () => new SecretsClient({ ttlMs: 2 ** 40 }),
      () => new SecretsClient({ ttlBySecret: { db: -5 } }),
      () => new SecretsClient({ refreshAheadMs: 1.5 }),
    ];

    // Assess
    for (const attempt of attempts) expect(attempt).toThrow(ConfigError);
    expect(attempts[0]).toThrow(/ttlMs must be a whole number/);
    expect(attempts[2]).toThrow(/ttlBySecret\["db"\]/);
    expect(attempts[3]).toThrow(/refreshAheadMs/);
  });

  it("takes its endpoint from ROTOR_ENDPOINT when none is given", async () => {
    // Prepare
    const secretName = uniqueSecretName("env");
    await cloud.admin.createSecret({
      secretName,
      secretData: "env-value",
      versionId: newVersionId(),
    });
    const fromEnv = new SecretsClient({
      credentials: cloud.credentials,
      env: { ROTOR_ENDPOINT: cloud.endpoint },
    });

    // Act
    const value = await fromEnv.getSecret(secretName);

    // Assess
    expect(value).toBe("env-value");
    fromEnv.close();
  });

  it("uses the standard credential chain (environment variables) when no keys are given", async () => {
    // Prepare
    const secretName = uniqueSecretName("chain");
    await cloud.admin.createSecret({
      secretName,
      secretData: "chain-value",
      versionId: newVersionId(),
    });
    const saved = {
      id: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
      secret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    };
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = cloud.credentials.accessKeyId;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = cloud.credentials.accessKeySecret;
    try {
      const fromChain = new SecretsClient({ endpoint: cloud.endpoint });

      // Act
      const value = await fromChain.getSecret(secretName);

      // Assess
      expect(value).toBe("chain-value");
      fromChain.close();
    } finally {
      restore("ALIBABA_CLOUD_ACCESS_KEY_ID", saved.id);
      restore("ALIBABA_CLOUD_ACCESS_KEY_SECRET", saved.secret);
    }
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
