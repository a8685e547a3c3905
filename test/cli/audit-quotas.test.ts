/**
 * `rotor audit` within KMS's quotas and a reader's permissions, on a local
 * cloud that limits KMS calls as Alibaba's gateway does (`quotas:
 * "alibaba"`: 40 calls a second for listing and describing secrets): its
 * default budget (20 a second, bursts of a second's worth at most) is
 * never throttled; a budget above the quota is throttled
 * and backs off without losing a secret; a reader not allowed to list a
 * secret's versions sees that secret `unreadable`, with the permission to
 * ask for, and the audit goes on.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { seedSecrets } from "../../src/local-cloud/seed-secrets.ts";
import { accessKeyAllowedOnly } from "../support/ram-user-key.ts";

/** More than one ListSecrets page. */
const SECRETS = 150;

interface AuditJson {
  secrets: { secretName: string; status: string; findings: { status: string; advice: string }[] }[];
}

describe("rotor audit within KMS's quotas and a reader's permissions", () => {
  let stateDir: string;
  let cloud: RunningLocalCloud;

  beforeAll(async () => {
    // Prepare: Rotor's generic secrets, each rotated once a year ago: all overdue.
    stateDir = await mkdtemp(join(tmpdir(), "rotor-audit-quotas-"));
    await seedSecrets({ stateDir, count: SECRETS });
    cloud = await startLocalCloud({ stateDir, quotas: "alibaba" });
  });
  afterAll(async () => {
    await cloud?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  async function audit(
    credentials: { accessKeyId: string; accessKeySecret: string },
    ...args: string[]
  ) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(["audit", "--json", ...args], {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      env: {
        ROTOR_ENDPOINT: cloud.endpoint,
        ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
      },
    });
    return { code, audit: JSON.parse(out.join("\n")) as AuditJson, err: err.join("\n") };
  }

  it("keeps to its default budget, below the quota: nothing is throttled", async () => {
    cloud.resetCallStats();

    const { code, audit: result } = await audit(cloud.credentials);

    expect(code).toBe(0);
    expect(result.secrets).toHaveLength(SECRETS);
    expect(new Set(result.secrets.map((secret) => secret.status))).toEqual(new Set(["overdue"]));
    const listing = cloud.callStats().groups["secret-list"];
    expect(listing?.throttled).toBe(0);
    expect(listing?.admitted).toBe(2 + SECRETS);
  }, 120_000);

  it("backs off when a budget above the quota is throttled, and still reads every secret once", async () => {
    cloud.resetCallStats();

    const { code, audit: result } = await audit(cloud.credentials, "--qps", "400");

    expect(code).toBe(0);
    expect(result.secrets).toHaveLength(SECRETS);
    expect(new Set(result.secrets.map((secret) => secret.status))).toEqual(new Set(["overdue"]));
    const { groups, actions } = cloud.callStats();
    expect(groups["secret-list"]?.throttled).toBeGreaterThan(0);
    expect(actions["kms:ListSecretVersionIds"]?.admitted).toBe(SECRETS);
    expect(actions["kms:ListSecrets"]?.admitted).toBe(2);
  }, 120_000);

  it("shows the secrets a reader may not read as unreadable, naming the permission, and --fail-on unreadable exits 3", async () => {
    // Prepare: a reader allowed to list the account, and the versions of ten secrets only.
    const reader = await accessKeyAllowedOnly(cloud, "auditor", {
      Action: ["kms:ListSecrets", "kms:ListSecretVersionIds"],
      Resource: ["acs:kms:*:*:secret", "acs:kms:*:*:secret/rotor/generic/app-00000*"],
    });

    // Act
    const { code, audit: result, err } = await audit(reader, "--fail-on", "unreadable");

    // Assess
    expect(code).toBe(3);
    expect(err).toContain(`rotor audit: ${SECRETS - 10} secret(s) with unreadable`);
    const readable = result.secrets.filter((secret) => secret.status === "overdue");
    expect(readable.map((secret) => secret.secretName)).toEqual(
      Array.from({ length: 10 }, (_, i) => `rotor/generic/app-00000${i}`),
    );
    const unreadable = result.secrets.filter((secret) => secret.status === "unreadable");
    expect(unreadable).toHaveLength(SECRETS - 10);
    for (const secret of unreadable) {
      expect(secret.findings).toEqual([
        {
          status: "unreadable",
          detail: expect.stringMatching(
            /^ListSecretVersionIds failed: Forbidden\.NoPermission \(request /,
          ),
          advice: `allow kms:ListSecretVersionIds on acs:kms:*:*:secret/${secret.secretName} to whoever runs the audit, then audit again`,
        },
      ]);
    }
  }, 120_000);
});
