/**
 * The conformance suite for the Redis rotator on a real redis-server with
 * ACLs: dual-account through a master login (with and without TLS) and
 * single-user, every external call a point the suite crashes before.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { redisRotator } from "../../../../src/core/rotators/redis/redis-rotator.ts";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import { type RunningRedis, skipUnlessRedis, startRedis } from "../../../support/redis.ts";
import { redisBadValues } from "./redis-bad-values.ts";
import { createApplicationUser, createMasterSecret, verifyLogin } from "./redis-fixtures.ts";

const skip = skipUnlessRedis();

for (const tls of [false, true]) {
  describe.skipIf(skip)(`redis rotator on redis-server${tls ? " over TLS" : ""}`, () => {
    let redis: RunningRedis;
    beforeAll(async () => {
      redis = await startRedis({ adminUser: "admin", tls });
    });
    afterAll(async () => {
      await redis?.stop();
    });

    describe("dual-account mode", () => {
      testRotator({
        rotator: redisRotator,
        async prepare(harness) {
          const master = await createMasterSecret(
            harness.admin,
            redis,
            harness.uniqueName("redis-master"),
          );
          const value = await createApplicationUser(redis, { masterSecret: master });
          return {
            data: JSON.stringify(value),
            tags: { "rotor:rotator": "redis" },
            verify: (data) => verifyLogin(redis, data),
          };
        },
        badValues: tls ? [] : redisBadValues(),
      });
    });

    describe("single-user mode", () => {
      testRotator({
        rotator: redisRotator,
        async prepare() {
          const value = await createApplicationUser(redis);
          return {
            data: JSON.stringify(value),
            tags: { "rotor:rotator": "redis" },
            verify: (data) => verifyLogin(redis, data),
          };
        },
        badValues: [],
      });
    });
  });
}
