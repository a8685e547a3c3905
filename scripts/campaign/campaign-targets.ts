/**
 * What a crash campaign rotates: one secret per rotator kind on a real
 * target, and how to tell that a value works there.
 *
 * - generic: a webhook service on loopback that accepts the values it was
 *   told to set (test/core/rotators/generic/webhook-receiver.ts);
 * - ram-access-key: a RAM user of the local cloud; a value works when STS
 *   GetCallerIdentity signed with it names that user;
 * - mysql / postgres: a real MariaDB or PostgreSQL server, dual-account
 *   mode; a value works when it logs in;
 * - postgres-owner-role: the same PostgreSQL dual accounts sharing an
 *   owner role the first rotation creates; after each run both accounts
 *   that exist must be members of it and act as it;
 * - mysql-polardb / postgres-polardb: the same rotators on a PolarDB
 *   cluster of the local cloud (polardb-campaign-targets.ts);
 * - the ECS kinds: a Linux account on a real sshd, over SSH or Cloud
 *   Assistant (ecs-campaign-targets.ts);
 * - the Redis kinds: ACL users and an ApsaraDB account on a real
 *   redis-server (redis-campaign-targets.ts).
 */
import { randomBytes } from "node:crypto";
import { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../src/cloud-api/sts-client.ts";
import {
  createApplicationAccount,
  createMasterSecret,
  type TestServer,
  verifyLogin,
} from "../../test/core/rotators/database/database-fixtures.ts";
import {
  createOwnerRoleAccounts,
  ownerRoleValue,
  roleFacts,
} from "../../test/core/rotators/database/postgres-owner-role-fixtures.ts";
import { startWebhookReceiver } from "../../test/core/rotators/generic/webhook-receiver.ts";
import { startMariaDb } from "../../test/support/mariadb.ts";
import { startPostgres } from "../../test/support/postgres.ts";
import {
  type CampaignPolarDb,
  POLARDB_CAMPAIGN_KINDS,
  type PolarDbCampaignKind,
} from "./campaign-polardb.ts";
import type { CampaignRedis } from "./campaign-redis.ts";
import type { CloudAddress } from "./campaign-rotators.ts";
import type { CampaignSshd } from "./campaign-sshd.ts";
import {
  ECS_CAMPAIGN_KINDS,
  type EcsCampaignKind,
  prepareEcsTarget,
} from "./ecs-campaign-targets.ts";
import { preparePolarDbTarget } from "./polardb-campaign-targets.ts";
import {
  prepareRedisTarget,
  REDIS_CAMPAIGN_KINDS,
  type RedisCampaignKind,
} from "./redis-campaign-targets.ts";

export const CAMPAIGN_KINDS = [
  "generic",
  "mysql",
  "postgres",
  "postgres-owner-role",
  ...POLARDB_CAMPAIGN_KINDS,
  "ram-access-key",
  ...ECS_CAMPAIGN_KINDS,
  ...REDIS_CAMPAIGN_KINDS,
] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

export const isEcsKind = (kind: CampaignKind): kind is EcsCampaignKind =>
  (ECS_CAMPAIGN_KINDS as readonly string[]).includes(kind);

export const isRedisKind = (kind: CampaignKind): kind is RedisCampaignKind =>
  (REDIS_CAMPAIGN_KINDS as readonly string[]).includes(kind);
export const isPolarDbKind = (kind: CampaignKind): kind is PolarDbCampaignKind =>
  (POLARDB_CAMPAIGN_KINDS as readonly string[]).includes(kind);

export interface CampaignTarget {
  kind: CampaignKind;
  secretName: string;
  /** Throws unless the target accepts this stored value. */
  verify(data: string): Promise<void>;
  /** Problems beyond the secret's stages, e.g. AccessKeys no version names. */
  orphans(current: string, previous: string | undefined): Promise<string[]>;
  /**
   * What the rotator promises for ACSPrevious after a rotation: it still
   * works (dual-account, key kept for an interval), or it stopped working
   * (one account whose password was replaced).
   */
  previousCredential: "works" | "stops-working";
  /**
   * True when ACSCurrent must work on the target at every moment, so right
   * after a kill too, before the next invocation resumes anything.
   */
  currentWorksThroughout?: boolean;
  close(): Promise<void>;
}

const suffix = () => randomBytes(4).toString("hex");

export async function prepareTarget(
  kind: CampaignKind,
  cloud: CloudAddress,
  /** The campaign's sshd, required for the ECS kinds. */
  sshd?: CampaignSshd,
  /** The campaign's redis-server, required for the Redis kinds. */
  redis?: CampaignRedis,
  /** The servers behind the campaign's PolarDB clusters, required for the PolarDB kinds. */
  polardb?: CampaignPolarDb,
): Promise<CampaignTarget> {
  const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  if (isEcsKind(kind)) {
    if (!sshd) throw new Error(`the ${kind} campaign needs the campaign's sshd`);
    // The accounts go when the campaign's sshd stops.
    return { kind, ...(await prepareEcsTarget(kind, kms, sshd)), close: async () => {} };
  }
  if (isRedisKind(kind)) {
    if (!redis) throw new Error(`the ${kind} campaign needs the campaign's redis-server`);
    // The users go when the campaign's redis-server stops.
    return {
      kind,
      ...(await prepareRedisTarget(kind, kms, cloud, redis)),
      orphans: async () => [],
      previousCredential: "works",
      currentWorksThroughout: true,
      close: async () => {},
    };
  }
  if (isPolarDbKind(kind)) {
    if (!polardb) throw new Error(`the ${kind} campaign needs the campaign's PolarDB servers`);
    // The servers stop with the campaign's PolarDB clusters.
    return {
      kind,
      ...(await preparePolarDbTarget(kind, kms, cloud, polardb)),
      orphans: async () => [],
      previousCredential: "works",
      close: async () => {},
    };
  }
  const secretName = `campaign/${kind}/${suffix()}`;
  const create = (data: string, tags: Record<string, string>) =>
    kms.createSecret({
      secretName,
      secretData: data,
      versionId: `v0-${suffix()}`,
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });

  if (kind === "generic") {
    const key = randomBytes(32).toString("hex");
    const receiver = await startWebhookReceiver(key);
    // The rotation children inherit this environment: their deployment lets them call the receiver.
    const origins = process.env.ROTOR_WEBHOOK_ORIGINS;
    process.env.ROTOR_WEBHOOK_ORIGINS = origins ? `${origins},${receiver.origin}` : receiver.origin;
    const keySecret = `campaign/webhook-key/${suffix()}`;
    await kms.createSecret({ secretName: keySecret, secretData: key, versionId: "v1" });
    const password = randomBytes(18).toString("base64url");
    const data = JSON.stringify({ AccountName: `app_${suffix()}`, AccountPassword: password });
    // The webhook is sent the rotated field alone.
    receiver.accepted.add(password);
    await create(data, {
      "rotor:rotator": "generic",
      "rotor:webhook-url": receiver.url,
      "rotor:webhook-key-secret": keySecret,
    });
    return {
      kind,
      secretName,
      async verify(value) {
        const { AccountPassword } = JSON.parse(value) as { AccountPassword: string };
        if (!receiver.accepted.has(AccountPassword))
          throw new Error("the webhook service does not hold this value");
      },
      orphans: async () => [],
      previousCredential: "works",
      close: () => receiver.close(),
    };
  }

  if (kind === "ram-access-key") {
    const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const userName = `campaign-${suffix()}`;
    await ram.createUser({ userName });
    const key = await ram.createAccessKey({ userName });
    await create(
      JSON.stringify({
        AccessKeyId: key.accessKeyId,
        AccessKeySecret: key.accessKeySecret,
        UserName: userName,
        GenerateTimestamp: new Date().toISOString(),
      }),
      { "rotor:rotator": "ram-access-key" },
    );
    const keyIdOf = (data: string) => (JSON.parse(data) as { AccessKeyId: string }).AccessKeyId;
    return {
      kind,
      secretName,
      async verify(data) {
        const value = JSON.parse(data) as { AccessKeyId: string; AccessKeySecret: string };
        const identity = await new StsClient({
          endpoint: cloud.endpoint,
          credentials: { accessKeyId: value.AccessKeyId, accessKeySecret: value.AccessKeySecret },
          retry: { attempts: 1 },
        }).getCallerIdentity();
        if (!identity.arn.endsWith(`:user/${userName}`))
          throw new Error(`the key belongs to ${identity.arn}, not to ${userName}`);
      },
      async orphans(current, previous) {
        const named = new Set([keyIdOf(current), ...(previous ? [keyIdOf(previous)] : [])]);
        const keys = await ram.listAccessKeys({ userName });
        return keys
          .filter((accessKey) => !named.has(accessKey.accessKeyId))
          .map(
            (accessKey) =>
              `AccessKey ${accessKey.accessKeyId} of ${userName} is named by no version`,
          );
      },
      previousCredential: "works",
      close: async () => {},
    };
  }

  if (kind === "postgres-owner-role") {
    const server = await startPostgres();
    const target: TestServer = { engine: "postgres", server };
    const accounts = await createOwnerRoleAccounts(server, { ownerExists: false });
    const master = await createMasterSecret(kms, target, `campaign/${kind}-master/${suffix()}`);
    await create(JSON.stringify(ownerRoleValue(server, accounts, master)), {
      "rotor:rotator": "postgres",
    });
    return {
      kind,
      secretName,
      verify: (data) => verifyLogin(target, data),
      // Both accounts that exist are members of the owner role and their sessions act as it.
      async orphans(current, previous) {
        const names = new Set(
          [current, previous]
            .filter((data): data is string => data !== undefined)
            .map((data) => (JSON.parse(data) as { AccountName: string }).AccountName),
        );
        const problems: string[] = [];
        for (const name of names) {
          const facts = await roleFacts(server, name);
          if (
            !facts?.member_of.includes(accounts.owner) ||
            facts.setting !== `role=${accounts.owner}`
          ) {
            problems.push(`account ${name} does not act as the owner role ${accounts.owner}`);
          }
        }
        return problems;
      },
      previousCredential: "works",
      close: () => server.stop(),
    };
  }
  const server = kind === "mysql" ? await startMariaDb() : await startPostgres();
  const target = (
    kind === "mysql" ? { engine: "mysql", server } : { engine: "postgres", server }
  ) as TestServer;
  const master = await createMasterSecret(kms, target, `campaign/${kind}-master/${suffix()}`);
  const value = await createApplicationAccount(target, { masterSecret: master });
  await create(JSON.stringify(value), { "rotor:rotator": kind });
  return {
    kind,
    secretName,
    verify: (data) => verifyLogin(target, data),
    orphans: async () => [],
    previousCredential: "works",
    close: () => server.stop(),
  };
}
