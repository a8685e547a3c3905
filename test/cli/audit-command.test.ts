/**
 * `rotor audit` over a local account of a few thousand secrets in every
 * state. Most are seeded as the API would have stored them (generic
 * secrets nothing rotates, Rotor's secrets as created with every kind of
 * policy tag, secrets of the types KMS rotates with its rotation on, off
 * or late, secrets being deleted); the states only a rotation makes are
 * made by rotating for real: `rotor rotate` (now, or with the cloud's
 * clock forty days back), a webhook answering HTTP 500, the on-failure
 * function recording the outcome, a createSecret step whose rotation
 * nobody finished, a pending version another tool left. The JSON is
 * checked against what was set up, secret by secret; so are the table,
 * the Markdown report, --fail-on's exit codes, the KMS calls the audit
 * made (the cloud's own counts: at most one read per secret, no value
 * read) and its progress lines.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ProblemStatus } from "../../src/audit/secret-audit.ts";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/clients/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";
import { ACS_CURRENT, type SecretRecord } from "../../src/local-cloud/kms/secret-record.ts";
import { seedSecrets } from "../../src/local-cloud/seed-secrets.ts";
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from "../rotators/generic/webhook-receiver.ts";

const ROTOR_BIN = resolve(import.meta.dirname, "../../bin/rotor.mjs");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Seeded secrets: a few thousand, in as many states as SEEDED lists. */
const SEEDED_COUNT = 3_000;
/** The local cloud is on loopback: the audit's budget only needs to stay out of the way. */
const QPS = ["--qps", "5000"];

/** What the audit must say about a secret. */
interface Expected {
  status: ProblemStatus | "ok";
  findings: ProblemStatus[];
  /** Rotor-managed (one ListSecretVersionIds), a type KMS rotates (one DescribeSecret), or neither. */
  read: "versions" | "description" | "none";
  /** A type KMS rotates: its advice names KMS's API rather than `rotor`. */
  kms?: boolean;
  pending?: "held" | "expired" | "released";
  rotated?: boolean;
  /** Text one of its findings' details holds. */
  detail?: string;
}

const rotorTags = (extra: Record<string, string> = {}) =>
  Object.entries({ "rotor:rotator": "generic", ...extra }).map(([key, value]) => ({ key, value }));

/**
 * The seeded states, as CreateSecret (and, for the types KMS rotates,
 * KMS's own rotation) would have left them; the i-th secret is in state
 * i modulo their number.
 */
function seededStates(now: number) {
  const version = (createTime: number) => ({
    versionId: `v-${randomUUID()}`,
    data: randomBytes(18).toString("base64url"),
    dataType: "text" as const,
    createTime,
    stages: [ACS_CURRENT],
  });
  const record = (
    name: string,
    createdAgo: number,
    fields: Partial<SecretRecord> = {},
  ): SecretRecord => ({
    name,
    type: "Generic",
    description: "",
    encryptionKeyId: "",
    createTime: now - createdAgo,
    updateTime: now - createdAgo,
    automaticRotation: false,
    tags: [],
    versions: [version(now - createdAgo)],
    ...fields,
  });
  const kmsType = (type: SecretRecord["type"], fields: Partial<SecretRecord>) => ({
    type,
    extendedConfig: JSON.stringify({ SecretSubType: "SingleUser", DBInstanceId: "rm-seed" }),
    ...fields,
  });
  const states: { id: string; make: (name: string) => SecretRecord; expected: Expected }[] = [
    {
      id: "unmanaged",
      make: (name) => record(name, 90 * DAY, { tags: [{ key: "team", value: "billing" }] }),
      expected: { status: "unmanaged", findings: ["unmanaged"], read: "none" },
    },
    {
      id: "fresh",
      make: (name) => record(name, DAY, { tags: rotorTags({ "rotor:interval": "30d" }) }),
      expected: { status: "never-rotated", findings: ["never-rotated"], read: "versions" },
    },
    {
      id: "old",
      make: (name) => record(name, 60 * DAY, { tags: rotorTags({ "rotor:interval": "30d" }) }),
      expected: {
        status: "overdue",
        findings: ["overdue", "never-rotated"],
        read: "versions",
      },
    },
    {
      id: "disabled",
      make: (name) =>
        record(name, DAY, {
          tags: rotorTags({ "rotor:interval": "30d", "rotor:enabled": "false" }),
        }),
      expected: {
        status: "disabled",
        findings: ["disabled", "never-rotated"],
        read: "versions",
      },
    },
    {
      id: "long-lease",
      make: (name) =>
        record(name, DAY, { tags: rotorTags({ "rotor:interval": "30d", "rotor:lease": "30m" }) }),
      expected: {
        status: "never-rotated",
        findings: ["never-rotated", "weakened"],
        read: "versions",
        detail: "rotor:lease=30m: weakened",
      },
    },
    {
      id: "bad-interval",
      make: (name) => record(name, DAY, { tags: rotorTags({ "rotor:interval": "monthly" }) }),
      expected: {
        status: "invalid",
        findings: ["invalid", "never-rotated"],
        read: "versions",
        detail: "rotor:interval: expected a number and a unit",
      },
    },
    {
      id: "no-schedule",
      make: (name) => record(name, DAY, { tags: rotorTags() }),
      expected: {
        status: "never-rotated",
        findings: ["never-rotated", "unscheduled"],
        read: "versions",
      },
    },
    {
      id: "own-kind",
      make: (name) =>
        record(name, DAY, {
          tags: [
            { key: "rotor:rotator", value: "acme-token" },
            { key: "rotor:interval", value: "30d" },
          ],
        }),
      expected: {
        status: "invalid",
        findings: ["invalid", "never-rotated"],
        read: "versions",
        detail: "name the function that runs it in rotor:function",
      },
    },
    {
      id: "rds-rotating",
      make: (name) =>
        record(
          name,
          200 * DAY,
          kmsType("Rds", {
            automaticRotation: true,
            rotationInterval: "30d",
            lastRotationTime: now - 5 * DAY,
          }),
        ),
      expected: { status: "ok", findings: [], read: "description", kms: true, rotated: true },
    },
    {
      id: "ram-off",
      make: (name) =>
        record(name, 20 * DAY, {
          type: "RAMCredentials",
          extendedConfig: JSON.stringify({ SecretSubType: "RamUserAccessKey", UserName: "app" }),
        }),
      expected: {
        status: "disabled",
        findings: ["disabled", "never-rotated"],
        read: "description",
        kms: true,
      },
    },
    {
      id: "redis-late",
      make: (name) =>
        record(
          name,
          300 * DAY,
          kmsType("Redis", {
            automaticRotation: true,
            rotationInterval: "720h",
            lastRotationTime: now - 40 * DAY,
          }),
        ),
      expected: {
        status: "overdue",
        findings: ["overdue"],
        read: "description",
        kms: true,
        rotated: true,
      },
    },
    {
      id: "deleting",
      make: (name) =>
        record(name, DAY, {
          tags: rotorTags({ "rotor:interval": "30d" }),
          plannedDeleteTime: now + 7 * DAY,
        }),
      expected: { status: "deleting", findings: ["deleting"], read: "none" },
    },
  ];
  return states;
}

interface AuditJson {
  auditedAt: string;
  summary: { secrets: number; byStatus: Record<string, number> };
  secrets: {
    secretName: string;
    secretType: string;
    rotator: string | null;
    lastRotation: string | null;
    ageSeconds: number | null;
    nextDue: string | null;
    overdueSince: string | null;
    pending: { versionId: string; state: string; leaseExpires: string } | null;
    status: string;
    findings: { status: string; detail: string; advice: string }[];
  }[];
}

/** The command or tag each problem's advice must name, for a secret of Rotor's or of KMS's. */
function adviceNames(status: ProblemStatus, name: string, kms: boolean): string[] {
  const kmsRotate = `aliyun kms RotateSecret --SecretName ${name}`;
  switch (status) {
    case "stuck":
      return [`rotor rotate ${name}`, `rotor cancel ${name}`];
    case "failing":
      return [`rotor status ${name}`, `rotor rotate ${name}`];
    case "overdue":
      return [kms ? kmsRotate : `rotor rotate ${name}`];
    case "invalid":
      return ["correct the tag rotor:"];
    case "unreadable":
      return [`kms:ListSecretVersionIds on acs:kms:*:*:secret/${name}`];
    case "disabled":
      return [kms ? `UpdateSecretRotationPolicy --SecretName ${name}` : "rotor:enabled"];
    case "never-rotated":
      return [kms ? kmsRotate : `rotor rotate ${name}`];
    case "weakened":
      return ["remove the tag rotor:lease"];
    case "unscheduled":
      return ["rotor:interval"];
    case "unmanaged":
      return ["tag it rotor:rotator"];
    case "deleting":
      return [`aliyun kms RestoreSecret --SecretName ${name}`];
  }
}

describe("rotor audit over an account of a few thousand secrets", () => {
  let stateDir: string;
  let cloud: RunningLocalCloud;
  let kms: KmsClient;
  let receiver: WebhookReceiver;
  let env: Record<string, string>;
  /** The cloud's clock runs this far from the real one while a state is set up. */
  let clockOffset = 0;
  const expected = new Map<string, Expected>();

  async function rotor(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  /** Runs `fn` with the cloud's clock `ago` ms behind the real one. */
  async function back<T>(ago: number, fn: () => Promise<T>): Promise<T> {
    clockOffset = -ago;
    try {
      return await fn();
    } finally {
      clockOffset = 0;
    }
  }

  async function rotateOk(secretName: string) {
    const result = await rotor("rotate", secretName);
    if (result.code !== 0) throw new Error(`rotate ${secretName}: ${result.err}`);
  }

  beforeAll(async () => {
    // Prepare: the seeded thousands.
    const now = Date.now();
    stateDir = await mkdtemp(join(tmpdir(), "rotor-audit-"));
    const states = seededStates(now);
    await seedSecrets({
      stateDir,
      count: SEEDED_COUNT,
      secret: (index) => {
        const state = states[index % states.length] as (typeof states)[number];
        const name = `seed/${state.id}-${String(index).padStart(5, "0")}`;
        expected.set(name, state.expected);
        return state.make(name);
      },
    });
    const key = randomBytes(32).toString("hex");
    [cloud, receiver] = await Promise.all([
      startLocalCloud({ stateDir, now: () => Date.now() + clockOffset }),
      startWebhookReceiver(key),
    ]);
    kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
      ALIBABA_CLOUD_REGION_ID: cloud.region,
      ROTOR_WEBHOOK_ORIGINS: receiver.origin,
    };
    // The functions `rotor invoke` runs find the cloud and the webhook's origin in the process's environment.
    vi.stubEnv("ROTOR_ENDPOINT", cloud.endpoint);
    vi.stubEnv("ROTOR_WEBHOOK_ORIGINS", receiver.origin);

    // Prepare: the states a rotation makes, made by rotating.
    const create = (secretName: string, tags = rotorTags({ "rotor:interval": "30d" })) =>
      kms.createSecret({
        secretName,
        versionId: "v0",
        secretData: JSON.stringify({ AccountName: "app", AccountPassword: randomUUID() }),
        tags,
      });
    const expect_ = (name: string, what: Expected) => expected.set(name, what);

    await kms.createSecret({ secretName: "real/webhook-key", secretData: key, versionId: "v1" });
    expect_("real/webhook-key", { status: "unmanaged", findings: ["unmanaged"], read: "none" });
    for (const n of [1, 2]) {
      await kms.createSecret({
        secretName: `real/unmanaged-${n}`,
        secretData: randomUUID(),
        versionId: "v1",
      });
      expect_(`real/unmanaged-${n}`, {
        status: "unmanaged",
        findings: ["unmanaged"],
        read: "none",
      });
    }
    for (const n of [1, 2, 3]) {
      await create(`real/ok-${n}`);
      await rotateOk(`real/ok-${n}`);
      expect_(`real/ok-${n}`, { status: "ok", findings: [], read: "versions", rotated: true });
    }
    for (const n of [1, 2]) {
      await create(`real/weak-${n}`, rotorTags({ "rotor:interval": "30d", "rotor:lease": "30m" }));
      await rotateOk(`real/weak-${n}`);
      expect_(`real/weak-${n}`, {
        status: "weakened",
        findings: ["weakened"],
        read: "versions",
        rotated: true,
      });
    }
    for (const n of [1, 2]) {
      await create(`real/manual-${n}`, rotorTags());
      await rotateOk(`real/manual-${n}`);
      expect_(`real/manual-${n}`, {
        status: "unscheduled",
        findings: ["unscheduled"],
        read: "versions",
        rotated: true,
      });
    }
    for (const n of [1, 2, 3]) {
      await back(41 * DAY, () => create(`real/late-${n}`));
      await back(40 * DAY, () => rotateOk(`real/late-${n}`));
      expect_(`real/late-${n}`, {
        status: "overdue",
        findings: ["overdue"],
        read: "versions",
        rotated: true,
      });
    }
    for (const n of [1, 2]) {
      await create(`real/off-${n}`);
      await rotateOk(`real/off-${n}`);
      await kms.tagResource({
        secretName: `real/off-${n}`,
        tags: [{ key: "rotor:enabled", value: "false" }],
      });
      expect_(`real/off-${n}`, {
        status: "disabled",
        findings: ["disabled"],
        read: "versions",
        rotated: true,
      });
    }
    const webhookTags = rotorTags({
      "rotor:interval": "30d",
      "rotor:webhook-url": receiver.url,
      "rotor:webhook-key-secret": "real/webhook-key",
      "rotor:webhook-attempts": "1",
    });
    receiver.failNext(1_000, 500);
    for (const n of [1, 2, 3]) {
      await create(`real/fail-${n}`, webhookTags);
      const failed = await rotor("rotate", `real/fail-${n}`);
      expect(failed.code).toBe(1);
      expect_(`real/fail-${n}`, {
        status: "failing",
        findings: ["failing", "never-rotated"],
        read: "versions",
        pending: "released",
        detail: "WebhookError in setSecret",
      });
    }
    for (const n of [1, 2]) {
      const secretName = `real/fail-recorded-${n}`;
      await create(secretName, webhookTags);
      expect((await rotor("rotate", secretName)).code).toBe(1);
      // FC's onFailure destination after the last retry: the outcome recorded on the secret.
      const record = {
        requestContext: { functionArn: "acs:fc:cn-hangzhou:1:functions/rotate-generic" },
        requestPayload: JSON.stringify({ SecretName: secretName }),
        responseContext: { functionError: "WebhookError: the webhook answered HTTP 500" },
      };
      const invoked = await rotor("invoke", "on-failure", "--event", JSON.stringify(record));
      expect(invoked.code).toBe(0);
      expect_(secretName, {
        status: "failing",
        findings: ["failing", "never-rotated"],
        read: "versions",
        pending: "released",
        detail: "the webhook answered HTTP 500",
      });
    }
    receiver.failNext(0, 500);
    for (const n of [1, 2, 3]) {
      // A rotation whose holder died after its first step, an hour ago.
      await create(`real/stuck-${n}`);
      const step = await back(HOUR, () =>
        rotor("rotate", `real/stuck-${n}`, "--step", "createSecret"),
      );
      expect(step.code).toBe(0);
      expect_(`real/stuck-${n}`, {
        status: "stuck",
        findings: ["stuck", "never-rotated"],
        read: "versions",
        pending: "expired",
      });
    }
    for (const n of [1, 2]) {
      // The same, just now: a rotation under way, not stuck.
      await create(`real/busy-${n}`);
      expect((await rotor("rotate", `real/busy-${n}`, "--step", "createSecret")).code).toBe(0);
      expect_(`real/busy-${n}`, {
        status: "never-rotated",
        findings: ["never-rotated"],
        read: "versions",
        pending: "held",
      });
    }
    await create("real/foreign-stuck");
    await back(HOUR, () =>
      kms.putSecretValue({
        secretName: "real/foreign-stuck",
        versionId: "other-tool-v2",
        secretData: randomUUID(),
        versionStages: ["ACSPending"],
      }),
    );
    expect_("real/foreign-stuck", {
      status: "stuck",
      findings: ["stuck", "never-rotated"],
      read: "versions",
      pending: "expired",
      detail: "other-tool-v2 (stored outside Rotor)",
    });
    await kms.caller.call("CreateSecret", {
      SecretName: "real/rds",
      SecretData: JSON.stringify({ AccountName: "app", AccountPassword: randomUUID() }),
      VersionId: "v1",
      SecretType: "Rds",
      ExtendedConfig: JSON.stringify({ SecretSubType: "SingleUser", DBInstanceId: "rm-real" }),
      EnableAutomaticRotation: "true",
      RotationInterval: "30d",
    });
    expect_("real/rds", {
      status: "never-rotated",
      findings: ["never-rotated"],
      read: "description",
      kms: true,
    });
    await kms.caller.call("CreateSecret", {
      SecretName: "real/polardb",
      SecretData: JSON.stringify({ AccountName: "app", AccountPassword: randomUUID() }),
      VersionId: "v1",
      SecretType: "PolarDB",
      ExtendedConfig: JSON.stringify({ SecretSubType: "SingleUser", DBClusterId: "pc-real" }),
    });
    expect_("real/polardb", {
      status: "disabled",
      findings: ["disabled", "never-rotated"],
      read: "description",
      kms: true,
    });
    await create("real/gone");
    await kms.deleteSecret({ secretName: "real/gone", recoveryWindowInDays: 7 });
    expect_("real/gone", { status: "deleting", findings: ["deleting"], read: "none" });
    // A tag value written to be rendered: a link, an image and HTML.
    await create(
      "real/markdown-bait",
      rotorTags({
        "rotor:interval": "[click](https://evil.example)![x](https://evil.example/i.png)<b>",
      }),
    );
    expect_("real/markdown-bait", {
      status: "invalid",
      findings: ["invalid", "never-rotated"],
      read: "versions",
    });
  }, 600_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await Promise.all([cloud?.close(), receiver?.close()]);
    await rm(stateDir, { recursive: true, force: true });
  });

  it("reports every secret with the status, findings and advice of the state it was put in, reading at most one thing per secret", async () => {
    cloud.resetCallStats();

    // Act
    const { code, out, err } = await rotor("audit", "--json", "--fail-on", "stuck,failing", ...QPS);

    // Assess: every secret, as set up
    const audit = JSON.parse(out) as AuditJson;
    expect(audit.secrets.map((secret) => secret.secretName).sort()).toEqual(
      [...expected.keys()].sort(),
    );
    for (const secret of audit.secrets) {
      const want = expected.get(secret.secretName) as Expected;
      const name = secret.secretName;
      expect({ name, status: secret.status }).toEqual({ name, status: want.status });
      expect({ name, findings: secret.findings.map((f) => f.status) }).toEqual({
        name,
        findings: want.findings,
      });
      for (const finding of secret.findings) {
        for (const named of adviceNames(finding.status as ProblemStatus, name, want.kms === true)) {
          expect(finding.advice, `${name} ${finding.status}`).toContain(named);
        }
      }
      if (want.detail !== undefined) {
        expect(secret.findings.map((f) => f.detail).join("\n"), name).toContain(want.detail);
      }
      expect({ name, pending: secret.pending?.state ?? null }).toEqual({
        name,
        pending: want.pending ?? null,
      });
      expect({ name, rotated: secret.lastRotation !== null }).toEqual({
        name,
        rotated: want.rotated === true,
      });
      expect({ name, overdue: secret.overdueSince !== null }).toEqual({
        name,
        overdue: want.status === "overdue",
      });
      if (want.kms) expect(secret.rotator, name).toBe("kms");
      else if (want.status === "unmanaged") expect(secret.rotator, name).toBeNull();
      else expect(secret.rotator, name).toMatch(/^(generic|acme-token)$/);
    }
    const late = audit.secrets.find((secret) => secret.secretName === "real/late-1");
    expect(late?.ageSeconds).toBeGreaterThanOrEqual(40 * 86_400);
    expect(late?.nextDue).toBe(
      new Date(Date.parse(late?.lastRotation ?? "") + 30 * DAY).toISOString().replace(".000Z", "Z"),
    );
    const counted = Object.values(audit.summary.byStatus).reduce((sum, n) => sum + n, 0);
    expect(counted).toBe(expected.size);
    expect(audit.summary.secrets).toBe(expected.size);

    // Assess: --fail-on matched, after the output
    expect(code).toBe(3);
    expect(err).toMatch(
      /^rotor audit: 9 secret\(s\) with stuck, failing \(--fail-on stuck,failing\)$/m,
    );

    // Assess: the calls it made, as the cloud counted them
    const { actions } = cloud.callStats();
    const wanted = (read: Expected["read"]) =>
      [...expected.values()].filter((want) => want.read === read).length;
    expect(Object.keys(actions).sort()).toEqual([
      "kms:DescribeSecret",
      "kms:ListSecretVersionIds",
      "kms:ListSecrets",
    ]);
    expect(actions["kms:ListSecrets"]?.calls).toBe(Math.ceil(expected.size / 100));
    expect(actions["kms:ListSecretVersionIds"]?.calls).toBe(wanted("versions"));
    expect(actions["kms:DescribeSecret"]?.calls).toBe(wanted("description"));
    // The bound: no secret costs more than one read beyond the listing.
    expect(wanted("versions") + wanted("description")).toBeLessThanOrEqual(expected.size);
  }, 300_000);

  it("prints a table: a row per secret, the counts, and each problem with its advice", async () => {
    // Act
    const { code, out } = await rotor("audit", ...QPS);

    // Assess
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toMatch(
      /^SECRET\s+TYPE\s+ROTATOR\s+POLICY\s+LAST ROTATION\s+AGE\s+NEXT DUE\s+STATUS$/,
    );
    const rows = lines.slice(1, 1 + expected.size);
    expect(rows.map((row) => row.split(/\s+/)[0]).sort()).toEqual([...expected.keys()].sort());
    expect(lines[1 + expected.size]).toMatch(
      new RegExp(`^${expected.size} secret\\(s\\): \\d+ ok, 4 stuck, 5 failing, `),
    );
    expect(rows.find((row) => row.startsWith("real/late-1 "))).toMatch(
      /^real\/late-1\s+Generic\s+generic\s+every 30d\s+\S+Z\s+40d\s+\S+Z\s+overdue$/,
    );
    expect(rows.find((row) => row.startsWith("real/rds "))).toMatch(
      /^real\/rds\s+Rds\s+kms\s+every 30d\s+never\s+-\s+\S+Z\s+never-rotated$/,
    );
    expect(rows.find((row) => row.startsWith("real/unmanaged-1 "))).toMatch(
      /^real\/unmanaged-1\s+Generic\s+-\s+-\s+-\s+-\s+-\s+unmanaged$/,
    );
    const todo = lines.slice(lines.indexOf("") + 1);
    expect(todo[0]).toMatch(/^What to do \(\d+ problem\(s\), the most pressing first\):$/);
    expect(todo[1]).toMatch(
      /^ {2}real\/foreign-stuck\s+stuck: the rotation of pending version other-tool-v2/,
    );
    expect(todo[2]).toMatch(
      /^\s+resume it with `rotor rotate real\/foreign-stuck`, or drop it with `rotor cancel real\/foreign-stuck`$/,
    );
  }, 300_000);

  it("writes a Markdown report in which no tag value renders as anything but text", async () => {
    // Act
    const { code, out } = await rotor("audit", "--markdown", "--fail-on", "unreadable", ...QPS);

    // Assess
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[0]).toBe("# Rotation audit");
    expect(lines).toContain("| stuck | 4 |");
    expect(lines).toContain("| failing | 5 |");
    expect(lines).toContain("### stuck (4)");
    expect(
      lines.some((line) =>
        line.startsWith("| real/stuck-1 | the rotation of pending version rotor-"),
      ),
    ).toBe(true);
    const everySecret = lines.slice(lines.indexOf("## Every secret") + 4);
    expect(everySecret).toHaveLength(expected.size);
    expect(everySecret).toContain("| real/unmanaged-1 | Generic |  |  |  |  |  | unmanaged |");
    expect(everySecret).toContain(
      "| real/polardb | PolarDB | kms | off | never |  |  | disabled |",
    );
    const bait = lines.filter((line) => line.includes("evil.example"));
    expect(bait.length).toBeGreaterThan(0);
    for (const line of bait) {
      expect(line).toContain("\\[click\\](https://evil.example)\\!\\[x\\]");
      expect(line).not.toContain("[click](");
      expect(line).not.toContain("![x](");
      expect(line).not.toMatch(/(?<!\\)<b/);
    }
  }, 300_000);

  it("exits 3 for --fail-on any and shows its progress on stderr, as a CI job runs it", async () => {
    // Act: bin/rotor.mjs in a child process, its stderr a pipe as in a CI log
    const child = spawn(
      process.execPath,
      [ROTOR_BIN, "audit", "--json", "--fail-on", "any", ...QPS],
      {
        env: { PATH: process.env.PATH ?? "", ...env },
      },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    const code = await new Promise<number | null>((done) => child.on("close", done));

    // Assess
    expect(code).toBe(3);
    expect((JSON.parse(Buffer.concat(out).toString()) as AuditJson).secrets).toHaveLength(
      expected.size,
    );
    const lines = Buffer.concat(err).toString().trimEnd().split("\n");
    const total = expected.size;
    const listing = lines.filter((line) => line.startsWith("listing secrets: "));
    const auditing = lines.filter((line) => line.startsWith("auditing: "));
    for (const line of [...listing, ...auditing]) {
      expect(line).toMatch(new RegExp(`^(listing secrets|auditing): \\d+/${total}$`));
    }
    expect(listing.length).toBeGreaterThanOrEqual(10);
    expect(listing.at(-1)).toBe(`listing secrets: ${total}/${total}`);
    expect(auditing.length).toBeGreaterThanOrEqual(10);
    expect(auditing.length).toBeLessThanOrEqual(11);
    expect(auditing.at(-1)).toBe(`auditing: ${total}/${total}`);
    expect(lines.at(-1)).toMatch(/^rotor audit: \d+ secret\(s\) with stuck, failing, overdue, /);
    expect(lines).toHaveLength(listing.length + auditing.length + 1);
  }, 300_000);

  it("documents its statuses, --fail-on and exit code 3 in --help and rotor's own help", async () => {
    const help = await rotor("audit", "--help");
    const usage = await rotor("--help");

    expect(help.code).toBe(0);
    for (const status of ["stuck", "failing", "overdue", "never-rotated", "unmanaged"]) {
      expect(help.out).toMatch(new RegExp(`^  ${status} `, "m"));
    }
    expect(help.out).toContain("--fail-on LIST");
    expect(help.out).toContain("3 --fail-on matched");
    expect(usage.out).toMatch(/^ {2}audit {2,}List every secret in the account/m);
    expect(usage.out).toContain("3 rotor audit --fail-on matched");
  });

  it("refuses a bad command line with exit 2, naming the flag", async () => {
    const cases: [string[], string][] = [
      [["--fail-on", "late"], "--fail-on"],
      [["--fail-on", ","], "--fail-on"],
      [["--qps", "0"], "--qps"],
      [["--json", "--markdown"], "--markdown"],
      [["--colour"], "--colour"],
    ];
    for (const [args, flag] of cases) {
      const { code, err, out } = await rotor("audit", ...args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(err).toContain(flag);
      expect(out).toBe("");
    }
  });
});
