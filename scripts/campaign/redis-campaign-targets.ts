/**
 * The Redis kinds of a crash campaign, all `rotor:rotator=redis` on the
 * campaign's real redis-server:
 *
 * - redis: two ACL users in turn through a master login holding only the
 *   rules the rotator documents (dual-account);
 * - redis-single: one ACL user changing its own password, which it holds
 *   twice from setSecret on;
 * - redis-tair: two accounts in turn through the local cloud's R-kvstore
 *   product (ApsaraDB for Redis/Tair, dual-account).
 *
 * A value works when a fresh `AUTH <user> <password>` is accepted. In all
 * three, ACSCurrent must work at every moment, right after a kill too
 * (before anything resumes), and ACSPrevious after the rotation (the other
 * user, or the single user's previous password, kept until the next one).
 */
import { randomBytes } from "node:crypto";
import type { KmsClient } from "../../src/cloud-api/kms-client.ts";
import { KvstoreClient } from "../../src/cloud-api/kvstore-client.ts";
import {
  createApplicationUser,
  createMasterSecret,
} from "../../test/core/rotators/redis/redis-fixtures.ts";
import type { CampaignRedis } from "./campaign-redis.ts";
import type { CloudAddress } from "./campaign-rotators.ts";

export const REDIS_CAMPAIGN_KINDS = ["redis", "redis-single", "redis-tair"] as const;
export type RedisCampaignKind = (typeof REDIS_CAMPAIGN_KINDS)[number];

export interface RedisCampaignTarget {
  secretName: string;
  verify(data: string): Promise<void>;
}

const suffix = () => randomBytes(4).toString("hex");

export async function prepareRedisTarget(
  kind: RedisCampaignKind,
  kms: KmsClient,
  cloud: CloudAddress,
  host: CampaignRedis,
): Promise<RedisCampaignTarget> {
  const { redis } = host;
  const secretName = `campaign/${kind}/${suffix()}`;
  let value: object;
  if (kind === "redis-tair") {
    const AccountName = `app_${suffix()}`;
    const AccountPassword = `Kv-${randomBytes(10).toString("hex")}A`;
    await new KvstoreClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
    }).createAccount({
      instanceId: host.instanceId,
      accountName: AccountName,
      accountPassword: AccountPassword,
    });
    value = {
      AccountName,
      AccountPassword,
      engine: "redis",
      host: redis.host,
      port: redis.port,
      InstanceId: host.instanceId,
    };
  } else {
    const master =
      kind === "redis"
        ? await createMasterSecret(kms, redis, `campaign/redis-master/${suffix()}`)
        : undefined;
    value = await createApplicationUser(redis, { masterSecret: master });
  }
  await kms.createSecret({
    secretName,
    secretData: JSON.stringify(value),
    versionId: `v0-${suffix()}`,
    tags: [{ key: "rotor:rotator", value: "redis" }],
  });
  return {
    secretName,
    async verify(data) {
      const { AccountName, AccountPassword } = JSON.parse(data) as Record<string, string>;
      if (!(await redis.canLogin(AccountName as string, AccountPassword as string))) {
        throw new Error(`user ${AccountName} does not log in with the stored password`);
      }
    },
  };
}
