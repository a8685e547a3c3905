/**
 * The conformance suite for the Redis rotator on ApsaraDB for Redis/Tair:
 * its R-kvstore calls go to a local cloud whose product manages accounts on
 * a real redis-server (the suite's own local cloud holds the secrets), and
 * every R-kvstore call and login is an external call the suite crashes
 * before. Both modes.
 */
import { describe } from "vitest";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import { useLocalKvstore } from "../../../local-cloud/kvstore/local-kvstore-world.ts";
import { ANY_INSTANCE } from "../../../support/deploy-policies.ts";
import { skipUnlessRedis } from "../../../support/redis.ts";
import {
  createKvstoreApplicationAccount,
  kvstoreRedisRotator,
  verifyKvstoreLogin,
} from "./redis-kvstore-fixtures.ts";

describe.skipIf(skipUnlessRedis())(
  "redis rotator on ApsaraDB for Redis/Tair (local R-kvstore)",
  () => {
    const world = useLocalKvstore({ adminUser: "admin" });
    const rotator = kvstoreRedisRotator(world);

    const prepareIn = (mode: "dual" | "single") => async () => {
      const value = await createKvstoreApplicationAccount(world(), mode);
      return {
        data: JSON.stringify(value),
        tags: { "rotor:rotator": "redis" },
        verify: (data: string) => verifyKvstoreLogin(world(), data),
      };
    };

    describe("dual-account mode", () => {
      testRotator({
        rotator,
        policy: ANY_INSTANCE,
        prepare: prepareIn("dual"),
        badValues: [
          {
            data: JSON.stringify({
              AccountName: "app_x",
              AccountPassword: "Init-Password-1",
              engine: "redis",
              host: "127.0.0.1",
              port: 6379,
              InstanceId: "r-with space",
            }),
            error: /InstanceId/,
          },
        ],
      });
    });

    describe("single-user mode", () => {
      testRotator({
        rotator,
        policy: ANY_INSTANCE,
        prepare: prepareIn("single"),
        badValues: [],
      });
    });
  },
);
