/**
 * A pending version Rotor did not write (put under ACSPending by hand, by
 * another tool, or left from an ACSCurrent that changed since) is a
 * rotation in progress like Rotor's own: `rotor rotate` never stores over
 * it. While its lease runs it refuses; after, it carries its value on when
 * the rotator can read it, and otherwise refuses, naming the version and
 * `rotor cancel`. Each decision is an audit line (`--verbose`).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { createRamUserSecret } from "../core/rotators/ram-access-key/ram-user-secret.ts";

const HOUR_MS = 60 * 60 * 1000;

describe("a pending version Rotor did not write", () => {
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let ram: RamClient;
  let env: Record<string, string>;
  /** The local cloud's clock runs this far from the real one (to store an old version). */
  let clockOffset = 0;

  beforeAll(async () => {
    cloud = await startLocalCloud({ now: () => Date.now() + clockOffset });
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
      ALIBABA_CLOUD_REGION_ID: cloud.region,
    };
    // The RAM rotator's clients find their endpoint in the process's environment.
    vi.stubEnv("ROTOR_ENDPOINT", cloud.endpoint);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await cloud?.close();
  });

  async function rotor(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  /** The JSON audit lines a --verbose run printed on stderr. */
  const auditLines = (err: string) =>
    err
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  async function genericSecret(data: string): Promise<string> {
    const secretName = `foreign/${randomUUID().slice(0, 8)}`;
    await kms.createSecret({
      secretName,
      versionId: "v0",
      secretData: data,
      tags: [{ key: "rotor:rotator", value: "generic" }],
    });
    return secretName;
  }

  /** Puts `versionId` under ACSPending as another tool would, `ageMs` ago. */
  async function putPending(secretName: string, versionId: string, data: string, ageMs = 0) {
    clockOffset = -ageMs;
    try {
      await kms.putSecretValue({
        secretName,
        versionId,
        secretData: data,
        versionStages: ["ACSPending"],
      });
    } finally {
      clockOffset = 0;
    }
  }

  async function stagesById(secretName: string): Promise<Record<string, string[]>> {
    const { versions } = await kms.listSecretVersionIds({ secretName });
    return Object.fromEntries(versions.map((v) => [v.versionId, [...v.versionStages].sort()]));
  }

  it("refuses while its lease runs, naming it and the lease's end, and changes nothing", async () => {
    // Prepare
    const secretName = await genericSecret("foreign-young-current");
    await putPending(secretName, "by-hand-1", "foreign-young-pending");
    // Act
    const run = await rotor("rotate", secretName);
    // Assess
    expect(run.code).toBe(1);
    expect(run.err).toContain("by-hand-1");
    expect(run.err).toMatch(/lease runs until \d{4}-/);
    expect(run.err).toContain(`rotor cancel ${secretName} --force`);
    expect(await stagesById(secretName)).toEqual({
      v0: ["ACSCurrent"],
      "by-hand-1": ["ACSPending"],
    });
  });

  it("takes over once its lease has run out and carries its value on, with an audit line", async () => {
    // Prepare
    const secretName = await genericSecret('{"AccountName":"app","AccountPassword":"old-one-9x"}');
    const foreign = '{"AccountName":"app","AccountPassword":"by-hand-value-7q"}';
    await putPending(secretName, "by-hand-2", foreign, HOUR_MS);
    // Act
    const run = await rotor("rotate", secretName, "--json", "--verbose");
    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({
      versionId: "by-hand-2",
      outcome: "rotated",
      resumed: true,
    });
    const current = await kms.getSecretValue({ secretName });
    expect(current.versionId).toBe("by-hand-2");
    expect(current.secretData).toBe(foreign);
    expect(await stagesById(secretName)).toMatchObject({
      v0: ["ACSPrevious"],
      "by-hand-2": ["ACSCurrent"],
    });
    expect(auditLines(run.err)).toContainEqual(
      expect.objectContaining({
        event: "rotation-taken-over",
        secret: secretName,
        versionId: "by-hand-2",
        writtenByRotor: false,
      }),
    );
  });

  it("never drops a pending version left from an ACSCurrent that changed since", async () => {
    // Prepare: Rotor's createSecret, then a new ACSCurrent stored by hand.
    const secretName = await genericSecret("foreign-stale-current");
    const created = await rotor("rotate", secretName, "--step", "createSecret", "--json");
    const token = (JSON.parse(created.out) as { versionId: string }).versionId;
    await kms.putSecretValue({ secretName, versionId: "v1", secretData: "stored-by-hand-later" });
    // Act
    const run = await rotor("rotate", secretName);
    // Assess
    expect(run.code).toBe(1);
    expect(run.err).toContain(token);
    expect((await stagesById(secretName))[token]).toEqual(["ACSPending"]);
  });

  it("refuses one its rotator cannot read, naming it and rotor cancel; cancel clears it", async () => {
    // Prepare: a RAM AccessKey secret with a half-written value put under ACSPending.
    const { secretName, userName } = await createRamUserSecret(
      { ram, kms },
      { userPrefix: "foreign-", secretPrefix: "foreign/ram-" },
    );
    await putPending(secretName, "by-hand-3", '{"AccessKeyId":"LTAIonlyanid"}', HOUR_MS);
    const keysBefore = (await ram.listAccessKeys({ userName })).map((key) => key.accessKeyId);
    // Act
    const refused = await rotor("rotate", secretName, "--verbose");
    const stagesAfterRefusal = await stagesById(secretName);
    const keysAfterRefusal = (await ram.listAccessKeys({ userName })).map((k) => k.accessKeyId);
    const cancelled = await rotor("cancel", secretName, "--json", "--verbose");
    const rotated = await rotor("rotate", secretName, "--json");
    // Assess
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("by-hand-3");
    expect(refused.err).toContain(`rotor cancel ${secretName}`);
    expect(stagesAfterRefusal).toEqual({ v1: ["ACSCurrent"], "by-hand-3": ["ACSPending"] });
    expect(keysAfterRefusal).toEqual(keysBefore);
    expect(auditLines(refused.err)).toContainEqual(
      expect.objectContaining({
        event: "pending-version-refused",
        secret: secretName,
        versionId: "by-hand-3",
      }),
    );
    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.out.split("\n").at(-1) as string)).toEqual({
      secretName,
      cancelledVersionId: "by-hand-3",
    });
    expect(auditLines(cancelled.err)).toContainEqual(
      expect.objectContaining({
        event: "rotation-cancelled",
        secret: secretName,
        versionId: "by-hand-3",
      }),
    );
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.out)).toMatchObject({ outcome: "rotated", resumed: false });
  });
});
