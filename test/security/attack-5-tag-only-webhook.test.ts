/**
 * Attack 5: a principal that may only tag (kms:TagResource) secrets it
 * cannot read points one at a webhook of its choosing: `rotor:rotator=generic`,
 * `rotor:field=<a harmless field>` and `rotor:webhook-url`. Before, the
 * generic function POSTed the whole JSON value (an SSH private key, an
 * AccessKeySecret) there, followed redirects (https to plain http on an
 * internal address), allowed http anywhere with `rotor:webhook-allow-http`,
 * read any secret as the signing key, and a 4xx answer left the secret
 * unchanged, unnoticed.
 *
 * Each case runs with the functions as the templates' roles and again with
 * root credentials: the code, not only the policies, must stop it. Each
 * asserts that the attacker's servers recorded nothing (or, where the
 * deployer allowed the origin, only the rotated field), that the victim's
 * value is unchanged, and that the attempt was announced.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KmsClient } from "../../src/cloud-api/kms-client.ts";
import {
  issueServerCertificate,
  type TestCertificates,
} from "../core/rotators/database/self-signed-certificate.ts";
import { type RogueServer, startRogueServer } from "../support/rogue-http-server.ts";
import {
  type Credentials,
  EVERY_CREDENTIALS,
  type RotorVariables,
  type SecurityWorld,
  startSecurityWorld,
} from "./support/security-world.ts";

let world: SecurityWorld;
let tagger: KmsClient;
let tls: TestCertificates;
/** The attacker's own servers. */
let rogueHttps: RogueServer;
let rogueHttp: RogueServer;
/** An internal plain-http service a redirect could point at. */
let internal: RogueServer;
/** The team's real receiver: an origin the deployer lists. */
let teamReceiver: RogueServer;
const WEBHOOK_KEY = "rotor-master/generic/team-a";

beforeAll(async () => {
  world = await startSecurityWorld();
  tls = await issueServerCertificate({ dns: ["localhost"], ip: ["127.0.0.1"] });
  [rogueHttps, rogueHttp, internal, teamReceiver] = await Promise.all([
    startRogueServer({ tls }),
    startRogueServer(),
    startRogueServer(),
    startRogueServer({ tls }),
  ]);
  await world.kms.createSecret({
    secretName: WEBHOOK_KEY,
    secretData: randomBytes(32).toString("hex"),
    versionId: "v1",
  });
  tagger = await world.attacker({
    Action: "kms:TagResource",
    Resource: "acs:kms:*:*:secret/rotor/*",
  });
}, 120_000);
afterAll(async () => {
  await Promise.all(
    [rogueHttps, rogueHttp, internal, teamReceiver].map((server) => server?.close()),
  );
  await world?.close();
});

/** What the team's deployment of rotate-generic sets: its own receiver and key prefix. */
function teamDeployment(): RotorVariables {
  return {
    ROTOR_WEBHOOK_ORIGINS: teamReceiver.origin,
    ROTOR_MASTER_SECRET_PREFIXES: "rotor-master/generic/",
    ROTOR_WEBHOOK_CA: tls.ca,
  };
}

let victims = 0;

/** Another team's secrets: an SSH private key and an AccessKey, neither readable by the tagger. */
async function victim(
  kind: "ssh-key" | "access-key",
): Promise<{ name: string; secrets: string[] }> {
  victims += 1;
  const name = `rotor/generic/team-b/${kind}-${victims}-${randomBytes(4).toString("hex")}`;
  const value =
    kind === "ssh-key"
      ? {
          UserName: "root",
          PrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${randomBytes(48).toString("base64")}\n-----END OPENSSH PRIVATE KEY-----`,
          Comment: "web servers",
        }
      : {
          AccessKeyId: `LTAI${randomBytes(8).toString("hex")}`,
          AccessKeySecret: randomBytes(15).toString("base64"),
          UserName: "app",
          Comment: "billing",
        };
  await world.kms.createSecret({
    secretName: name,
    secretData: JSON.stringify(value),
    versionId: "v1",
    tags: [{ key: "rotor:rotator", value: kind === "ssh-key" ? "ecs-ssh-key" : "ram-access-key" }],
  });
  const secrets = Object.entries(value)
    .filter(([field]) => field !== "Comment" && field !== "UserName")
    .map(([, text]) => text);
  return { name, secrets };
}

/** The tagger's move: make the secret a generic one whose harmless field goes to `url`. */
async function retag(secretName: string, url: string, extra: Record<string, string> = {}) {
  await tagger.tagResource({
    secretName,
    tags: Object.entries({
      "rotor:rotator": "generic",
      "rotor:field": "Comment",
      "rotor:webhook-url": url,
      "rotor:webhook-key-secret": WEBHOOK_KEY,
      "rotor:webhook-attempts": "1",
      ...extra,
    }).map(([key, value]) => ({ key, value })),
  });
}

/** Everything every server has recorded so far, to compare before and after. */
function recorded() {
  return [rogueHttps, rogueHttp, internal, teamReceiver].map((server) => server.requests.length);
}
function receivedSince(before: number[]) {
  const [https, http, inside, team] = [rogueHttps, rogueHttp, internal, teamReceiver].map(
    (server, index) => server.requests.slice(before[index]),
  );
  return {
    rogueHttps: https ?? [],
    rogueHttp: http ?? [],
    internal: inside ?? [],
    team: team ?? [],
  };
}

/** Runs the scheduler's request against the victim and returns what changed and who heard what. */
async function attack(
  credentials: Credentials,
  variables: RotorVariables,
  kind: "ssh-key" | "access-key",
  url: string,
  extra: Record<string, string> = {},
) {
  const target = await victim(kind);
  const before = await world.state(target.name);
  await retag(target.name, url, extra);
  const functionName = await world.deploy("rotate-generic", credentials, variables);
  const seen = recorded();
  const announced = world.notifications.length;

  await world.invokeAsync(functionName, { SecretName: target.name });

  const after = await world.state(target.name);
  return {
    ...target,
    before,
    after,
    received: receivedSince(seen),
    announced: world.notifications.slice(announced),
  };
}

describe("the tagger cannot read the secrets it tags", () => {
  it("is refused GetSecretValue", async () => {
    const target = await victim("ssh-key");
    await expect(tagger.getSecretValue({ secretName: target.name })).rejects.toThrow(
      /Forbidden\.NoPermission/,
    );
  });
});

describe.each(EVERY_CREDENTIALS)("attack 5 with the functions on %s", (credentials) => {
  it("a webhook on the tagger's own server, no origin configured (the default): nothing sent, announced", async () => {
    // Act
    const result = await attack(
      credentials,
      { ROTOR_WEBHOOK_CA: tls.ca },
      "ssh-key",
      `${rogueHttps.origin}/collect`,
    );

    // Assess
    expect(result.received.rogueHttps).toEqual([]);
    expect(result.after.versions).toEqual(result.before.versions);
    expect(result.after.data).toBe(result.before.data);
    expect(result.announced.map((notice) => notice.secretName)).toEqual([result.name]);
    expect(result.announced[0]?.error).toContain("ROTOR_WEBHOOK_ORIGINS: none");
  });

  it("plain http to the tagger's server with rotor:webhook-allow-http=true: nothing sent", async () => {
    // Act
    const result = await attack(
      credentials,
      teamDeployment(),
      "access-key",
      `${rogueHttp.origin}/collect`,
      {
        "rotor:webhook-allow-http": "true",
      },
    );

    // Assess
    expect(result.received.rogueHttp).toEqual([]);
    expect(result.after.versions).toEqual(result.before.versions);
    expect(result.after.data).toBe(result.before.data);
    expect(result.announced.map((notice) => notice.secretName)).toEqual([result.name]);
  });

  it.each([
    ["a host name that resolves to loopback", () => `https://localhost:${rogueHttps.port}/collect`],
    [
      "the metadata address",
      () => "https://100.100.100.200/latest/meta-data/ram/security-credentials",
    ],
  ])(
    "%s, with every https origin allowed (*): refused after resolution, nothing sent",
    async (_, url) => {
      // Act
      const result = await attack(
        credentials,
        { ROTOR_WEBHOOK_ORIGINS: "*", ROTOR_WEBHOOK_CA: tls.ca },
        "ssh-key",
        url(),
      );

      // Assess
      expect(result.received.rogueHttps).toEqual([]);
      expect(result.after.versions).toEqual(result.before.versions);
      expect(result.after.data).toBe(result.before.data);
      expect(result.announced[0]?.error).toMatch(/resolves to \S+ \((loopback|metadata)\)/);
    },
  );

  it("an allowed origin that redirects https to plain http inside: the redirect is not followed, only the rotated field was sent", async () => {
    // Prepare
    teamReceiver.answer({ redirectTo: `${internal.origin}/collect`, status: 307 });

    // Act
    const result = await attack(
      credentials,
      teamDeployment(),
      "ssh-key",
      `${teamReceiver.origin}/rotate`,
    );
    teamReceiver.answer({ status: 200, json: { ok: true } });

    // Assess
    expect(result.received.internal).toEqual([]);
    expect(result.received.team).toHaveLength(1);
    const body = JSON.parse(result.received.team[0]?.body ?? "{}") as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      "action",
      "field",
      "secretName",
      "value",
      "versionId",
    ]);
    expect(body.field).toBe("Comment");
    for (const secret of result.secrets)
      expect(JSON.stringify(result.received)).not.toContain(secret);
    expect(result.after.data).toBe(result.before.data);
    expect(result.announced[0]?.error).toContain("a redirect, which Rotor does not follow");
  });

  it("another team's secret named as the signing key: not read, nothing sent", async () => {
    // Prepare
    const other = await victim("access-key");

    // Act
    const result = await attack(
      credentials,
      teamDeployment(),
      "ssh-key",
      `${teamReceiver.origin}/rotate`,
      {
        "rotor:webhook-key-secret": other.name,
      },
    );

    // Assess
    expect(result.received.team).toEqual([]);
    expect(result.after.versions).toEqual(result.before.versions);
    expect(result.announced[0]?.error).toContain(
      `names webhook key secret ${other.name}, outside the prefixes this function may read`,
    );
  });

  it("a 4xx answer leaves the value unchanged but not unnoticed: recorded on the secret and announced", async () => {
    // Prepare
    teamReceiver.answer({ status: 401, json: { ok: false } });

    // Act
    const result = await attack(
      credentials,
      teamDeployment(),
      "access-key",
      `${teamReceiver.origin}/rotate`,
    );
    teamReceiver.answer({ status: 200, json: { ok: true } });

    // Assess
    expect(result.received.team).toHaveLength(1);
    for (const secret of result.secrets)
      expect(JSON.stringify(result.received)).not.toContain(secret);
    expect(result.after.data).toBe(result.before.data);
    expect(result.after.tags["rotor:last-failure"]).toMatch(/ setSecret WebhookError$/);
    expect(result.after.tags["rotor:status"]).toBe("failed");
    expect(result.announced.map((notice) => notice.secretName)).toEqual([result.name]);
    expect(result.announced[0]?.error).toContain("HTTP 401");
  });
});
