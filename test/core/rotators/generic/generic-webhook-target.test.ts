/**
 * Where the generic rotator's webhook may send a value, and what it sends:
 * only origins the deployment allows (ROTOR_WEBHOOK_ORIGINS, none by
 * default), plain http only to an http origin listed by name, no inside
 * address after name resolution unless the origin is listed by name, no
 * redirects, the key secret only within ROTOR_MASTER_SECRET_PREFIXES, and
 * only the rotated field in the body. Each refusal comes before any write.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyError } from "../../../../src/cloud-api/errors.ts";
import {
  type Allowed,
  DEFAULT_DEPLOY_POLICY,
  type DeployPolicy,
} from "../../../../src/core/contract/deploy-policy.ts";
import { postPinned } from "../../../../src/core/rotators/generic/webhook-request.ts";
import { resolveWebhookAddress } from "../../../../src/core/rotators/generic/webhook-target.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../../src/testing/rotation-harness.ts";
import { type RogueServer, startRogueServer } from "../../../support/rogue-http-server.ts";
import { issueServerCertificate } from "../database/self-signed-certificate.ts";

let harness: RotationHarness;
let plain: RogueServer;
let secure: RogueServer;
let internal: RogueServer;
const key = randomBytes(32).toString("hex");
let keySecret: string;

beforeAll(async () => {
  harness = await startRotationHarness();
  const tls = await issueServerCertificate({ dns: ["localhost"], ip: ["127.0.0.1"] });
  // The deployment trusts the test authority for webhooks, as a private CA would be.
  process.env.ROTOR_WEBHOOK_CA = tls.ca;
  plain = await startRogueServer();
  secure = await startRogueServer({ tls });
  internal = await startRogueServer();
  keySecret = harness.uniqueName("rotor/webhook-keys/generic");
  await harness.createSecret({ name: keySecret, data: key, tags: {} });
}, 60_000);
afterAll(async () => {
  await Promise.all([plain?.close(), secure?.close(), internal?.close()]);
  await harness?.close();
});

const SECRET_VALUE = {
  UserName: "root",
  PrivateKey: `-----BEGIN OPENSSH PRIVATE KEY----- ${randomBytes(24).toString("hex")}`,
  Token: "old-token-value",
};

function policy(origins: Allowed, extra: Partial<DeployPolicy> = {}): DeployPolicy {
  return { ...DEFAULT_DEPLOY_POLICY, webhookOrigins: origins, ...extra };
}
const listed = (...origins: string[]): Allowed => ({ any: false, values: origins });
const ANY: Allowed = { any: true };

async function attempt(url: string, deployPolicy: DeployPolicy, tags: Record<string, string> = {}) {
  const name = harness.uniqueName("generic-webhook");
  await harness.createSecret({
    name,
    data: JSON.stringify(SECRET_VALUE),
    tags: {
      "rotor:rotator": "generic",
      "rotor:field": "Token",
      "rotor:webhook-url": url,
      "rotor:webhook-key-secret": keySecret,
      "rotor:webhook-attempts": "1",
      ...tags,
    },
  });
  const before = await harness.versions(name);
  const seen = [plain, secure, internal].map((server) => server.requests.length);
  const outcome = await harness
    .engine({ policy: deployPolicy })
    .rotate({ secretName: name })
    .catch((error: unknown) => error);
  const received = [plain, secure, internal].map((server, index) =>
    server.requests.slice(seen[index]),
  );
  return {
    name,
    before,
    outcome,
    plain: received[0] ?? [],
    secure: received[1] ?? [],
    internal: received[2] ?? [],
  };
}

describe("the generic webhook's target", () => {
  it("refuses every origin when ROTOR_WEBHOOK_ORIGINS is unset, before any write", async () => {
    // Act
    const result = await attempt(`${plain.origin}/rotate`, DEFAULT_DEPLOY_POLICY);

    // Assess
    expect(result.outcome).toBeInstanceOf(PolicyError);
    expect((result.outcome as Error).message).toContain(
      `names ${plain.origin}, which this function may not call (ROTOR_WEBHOOK_ORIGINS: none); nothing was sent`,
    );
    expect(result.plain).toEqual([]);
    expect(await harness.versions(result.name)).toEqual(result.before);
  });

  it("lets rotor:webhook-allow-http allow nothing: http needs an http origin listed by name", async () => {
    // Act
    const withTag = await attempt(`${plain.origin}/rotate`, policy(ANY), {
      "rotor:webhook-allow-http": "true",
    });

    // Assess
    expect(withTag.outcome).toBeInstanceOf(PolicyError);
    expect((withTag.outcome as Error).message).toContain("over plain http");
    expect(withTag.plain).toEqual([]);
    expect(await harness.versions(withTag.name)).toEqual(withTag.before);
  });

  it.each([
    ["a host name resolving to loopback", "https://localhost:PORT/rotate", "127.0.0.1 (loopback)"],
    ["a loopback address", "https://127.0.0.1:PORT/rotate", "127.0.0.1 (loopback)"],
    [
      "the metadata address",
      "https://100.100.100.200/latest/meta-data",
      "100.100.100.200 (metadata)",
    ],
    ["an IPv4-mapped loopback address", "https://[::ffff:127.0.0.1]:PORT/rotate", "(loopback)"],
  ])("refuses %s when only * allows the origin", async (_, url, said) => {
    // Act
    const result = await attempt(url.replace("PORT", String(secure.port)), policy(ANY));

    // Assess
    expect(result.outcome).toBeInstanceOf(PolicyError);
    expect((result.outcome as Error).message).toContain(said);
    expect(result.secure).toEqual([]);
    expect(await harness.versions(result.name)).toEqual(result.before);
  });

  it("sends an origin listed by name only the rotated field, signed", async () => {
    // Act
    const result = await attempt(`${secure.origin}/rotate`, policy(listed(secure.origin)));

    // Assess
    expect(result.outcome).toMatchObject({ outcome: "rotated" });
    const current = JSON.parse(
      (await harness.admin.getSecretValue({ secretName: result.name })).secretData,
    ) as typeof SECRET_VALUE;
    expect(result.secure.map((request) => JSON.parse(request.body))).toEqual([
      {
        action: "set",
        versionId: expect.any(String),
        field: "Token",
        value: current.Token,
        secretName: result.name,
      },
      {
        action: "test",
        versionId: expect.any(String),
        field: "Token",
        value: current.Token,
        secretName: result.name,
      },
    ]);
    expect(JSON.stringify(result.secure)).not.toContain(SECRET_VALUE.PrivateKey);
    expect(result.secure[0]?.headers["x-rotor-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(current.PrivateKey).toBe(SECRET_VALUE.PrivateKey);
  });

  it("follows no redirect: https to plain http on an internal address reaches nothing", async () => {
    // Prepare
    secure.answer({ redirectTo: `${internal.origin}/collect`, status: 307 });

    // Act
    const result = await attempt(`${secure.origin}/rotate`, policy(listed(secure.origin)));
    secure.answer({ status: 200, json: { ok: true } });

    // Assess
    expect((result.outcome as Error).message).toMatch(
      /Webhook set .* failed: HTTP 307 \(a redirect, which Rotor does not follow\)/,
    );
    expect(result.internal).toEqual([]);
    expect(result.secure).toHaveLength(1);
    expect(result.secure[0]?.body).not.toContain(SECRET_VALUE.PrivateKey);
    expect((await harness.admin.getSecretValue({ secretName: result.name })).secretData).toBe(
      JSON.stringify(SECRET_VALUE),
    );
  });

  it("reads the key secret only within ROTOR_MASTER_SECRET_PREFIXES", async () => {
    // Prepare
    const narrow = policy(listed(secure.origin), {
      masterSecretPrefixes: { any: false, values: ["rotor/webhook-keys/team-a/"] },
    });

    // Act
    const result = await attempt(`${secure.origin}/rotate`, narrow);

    // Assess
    expect(result.outcome).toBeInstanceOf(PolicyError);
    expect((result.outcome as Error).message).toContain(
      `names webhook key secret ${keySecret}, outside the prefixes this function may read`,
    );
    expect(result.secure).toEqual([]);
  });

  it("connects to the address it checked: a later DNS answer cannot move the request", async () => {
    // Prepare: a resolver that answers once with the rogue's address, then with another.
    let lookups = 0;
    const rebinding = async () => {
      lookups += 1;
      return [{ address: lookups === 1 ? "127.0.0.1" : "10.255.255.1", family: 4 as const }];
    };
    const target = { url: new URL(`http://rebind.invalid:${plain.port}/rotate`), listed: true };
    const seen = plain.requests.length;

    // Act
    const address = await resolveWebhookAddress(target, "any-secret", rebinding);
    const answer = await postPinned({
      url: target.url,
      address,
      headers: { "content-type": "application/json" },
      body: '{"probe":true}',
      timeoutMs: 5_000,
    });

    // Assess
    expect(lookups).toBe(1);
    expect(answer.status).toBe(200);
    expect(plain.requests.slice(seen).map((request) => request.headers.host)).toEqual([
      `rebind.invalid:${plain.port}`,
    ]);
  });
});
