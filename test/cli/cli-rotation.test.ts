import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../src/local-cloud/embedded.ts";

let cloud: RunningLocalCloud;
let admin: KmsClient;
let folder: string;

beforeAll(async () => {
  cloud = await startLocalCloud();
  admin = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  folder = await mkdtemp(join(tmpdir(), "rotor-cli-rotation-"));
});
afterAll(async () => {
  await cloud?.close();
  await rm(folder, { recursive: true, force: true });
});

async function rotor(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = {
    ROTOR_ENDPOINT: cloud.endpoint,
    ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    ALIBABA_CLOUD_REGION_ID: cloud.region,
    // The one webhook these tests name: a port where nobody answers.
    ROTOR_WEBHOOK_ORIGINS: "http://127.0.0.1:9",
  };
  const code = await main(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env,
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

async function newSecret(tags: Record<string, string> = { "rotor:rotator": "generic" }) {
  const name = `cli/${randomUUID()}`;
  const password = randomUUID();
  await admin.createSecret({
    secretName: name,
    secretData: JSON.stringify({ AccountName: "app", AccountPassword: password }),
    versionId: `v0-${randomUUID()}`,
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  });
  return { name, password };
}

describe("rotor rotate / status / invoke", () => {
  it("rotate runs all four steps and status shows the result, never a value", async () => {
    // Prepare
    const { name, password } = await newSecret();
    // Act
    const rotated = await rotor("rotate", name);
    const status = await rotor("status", name);
    // Assess
    expect(rotated).toMatchObject({ code: 0, err: "" });
    expect(rotated.out).toMatch(/rotated; version rotor-\S+ is ACSCurrent/);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/ACSCurrent/);
    expect(status.out).toMatch(/ACSPrevious/);
    expect(status.out).toContain("lock: free");
    expect(status.out).toMatch(/last rotation: succeeded/);
    const current = await admin.getSecretValue({ secretName: name });
    for (const text of [rotated.out, status.out]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(current.secretData);
    }
  });

  it("rotate --step runs one step at a time with the token; status shows the lock held meanwhile", async () => {
    // Prepare
    const { name } = await newSecret();
    // Act
    const created = await rotor("rotate", name, "--step", "createSecret", "--json");
    const token = (JSON.parse(created.out) as { versionId: string }).versionId;
    const during = await rotor("status", name, "--json");
    const codes = [];
    for (const step of ["setSecret", "testSecret", "finishSecret"]) {
      codes.push((await rotor("rotate", name, "--step", step, "--version-id", token)).code);
    }
    const again = await rotor("rotate", name, "--step", "finishSecret", "--version-id", token);
    // Assess
    expect(created.code).toBe(0);
    expect(JSON.parse(during.out)).toMatchObject({ lock: { state: "held", versionId: token } });
    expect(codes).toEqual([0, 0, 0]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toContain("already ACSCurrent");
    expect((await admin.getSecretValue({ secretName: name })).versionId).toBe(token);
  });

  it("rotate --dry-run changes nothing", async () => {
    // Prepare
    const { name } = await newSecret();
    const before = await admin.listSecretVersionIds({ secretName: name, includeDeprecated: true });
    // Act
    const result = await rotor("rotate", name, "--dry-run");
    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain("dry run passed");
    const after = await admin.listSecretVersionIds({ secretName: name, includeDeprecated: true });
    expect(after.versions).toEqual(before.versions);
  });

  it.each([
    [["rotate"], /name the secret to rotate/],
    [["rotate", "s", "--step", "rotate"], /--step expects one of createSecret/],
    [["rotate", "s", "--step", "setSecret"], /--step setSecret needs --version-id/],
    [["rotate", "s", "--version-id", "v"], /--version-id needs --step/],
    [["rotate", "s", "--dry-run", "--step", "createSecret"], /--dry-run takes no --step/],
    [["invoke", "rotate-generic"], /--event is required/],
    [["invoke", "no-such-function", "--event", "{}"], /no function no-such-function/],
    [["invoke", "rotate-generic", "--event", "@/nonexistent/event.json"], /cannot read the file/],
    [["status"], /name the secret/],
  ])("answers %j with exit code 2 and what is wrong", async (argv, message) => {
    // Act
    const result = await rotor(...argv);
    // Assess
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });

  it("rotate refuses a secret without rotor:rotator with exit code 1 naming the tag", async () => {
    // Prepare
    const { name } = await newSecret({});
    // Act
    const result = await rotor("rotate", name);
    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toContain("has no rotor:rotator tag");
  });

  it("invoke runs the FC handler with a Buffer event from a file and prints its result", async () => {
    // Prepare
    const { name } = await newSecret();
    const eventFile = join(folder, `${randomUUID()}.json`);
    await writeFile(eventFile, JSON.stringify({ SecretName: name }));
    // Act
    const result = await rotor("invoke", "rotate-generic", "--event", `@${eventFile}`);
    // Assess
    expect(result.code).toBe(0);
    const lines = result.out.split("\n");
    const response = JSON.parse(lines.at(-1) as string) as { Outcome: string; VersionId: string };
    expect(response.Outcome).toBe("rotated");
    expect(
      lines.filter((line) => line.startsWith("log: ") && line.includes('"rotation-step"')),
    ).toHaveLength(4);
    expect((await admin.getSecretValue({ secretName: name })).versionId).toBe(response.VersionId);
  });

  it("invoke reports a bad event as the function's ValidationError with exit code 1", async () => {
    // Act
    const result = await rotor("invoke", "rotate-generic", "--event", '{"Secret":"x"}');
    // Assess
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /function rotate-generic failed: ValidationError: .*unknown field\(s\) Secret/,
    );
  });

  it("a failed rotation is recorded on the secret and shown by status; the next run resumes it at once", async () => {
    // Prepare: a webhook nobody answers.
    const keySecret = `cli/key-${randomUUID()}`;
    await admin.createSecret({ secretName: keySecret, secretData: randomUUID(), versionId: "v1" });
    const { name } = await newSecret({
      "rotor:rotator": "generic",
      "rotor:webhook-url": "http://127.0.0.1:9/rotate",
      "rotor:webhook-key-secret": keySecret,
      "rotor:webhook-attempts": "1",
    });
    // Act
    const failed = await rotor("rotate", name);
    const status = await rotor("status", name);
    await admin.untagResource({ secretName: name, tagKeys: ["rotor:webhook-url"] });
    const resumed = await rotor("rotate", name, "--json");
    // Assess
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/Webhook set for secret .* failed: no answer/);
    expect(status.out).toMatch(/last rotation: FAILED at \S+ in setSecret: WebhookError/);
    expect(status.out).toMatch(
      /lock: the rotation of (rotor-\S+) stopped on a failure and gave its lease up/,
    );
    const pendingId = /lock: the rotation of (rotor-\S+) /.exec(status.out)?.[1];
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({
      versionId: pendingId,
      outcome: "rotated",
      resumed: true,
    });
  });
});
