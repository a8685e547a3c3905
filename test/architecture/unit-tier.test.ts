/**
 * The unit tier runs exactly the tests that can start no server and no
 * process (test/architecture/unit-tier.ts): the rule tells a test of each
 * kind of server, and vitest.unit.config.ts runs what the rule selects.
 */
import { describe, expect, it } from "vitest";
import unitConfig from "../../vitest.unit.config.ts";
import { allTests, serverReasons, unitTierTests } from "./unit-tier.ts";

describe("the unit tier", () => {
  it.each([
    ["test/client/mysql-pool.test.ts", "test/support/mariadb.ts"],
    ["test/core/rotators/ecs/ecs-password-rotator.test.ts", "test/support/sshd.ts"],
    ["test/local-cloud/kvstore/redis-harness.test.ts", "test/support/redis.ts"],
    ["test/core/rotators/database/postgres-accounts.test.ts", "test/support/postgres.ts"],
    ["test/cli/cli.test.ts", "src/local-cloud/embedded-postgres-server.ts"],
    ["test/core/engine/rotation-engine.test.ts", "src/local-cloud/server.ts"],
    [
      "test/deploy/drivers-at-init.test.ts",
      "test/deploy/drivers-at-init.test.ts imports node:child_process",
    ],
  ])("leaves out %s, which reaches %s", (file, reason) => {
    // Act
    const reasons = serverReasons(file);
    // Assess
    expect(reasons).toContain(reason);
  });

  it("keeps a test of plain code", () => {
    // Assess
    expect(serverReasons("test/core/contract/cron.test.ts")).toEqual([]);
  });

  it("is what npm run test:unit runs: a part of the suite, not all of it", () => {
    // Act
    const tier = unitTierTests();
    // Assess
    expect(unitConfig.test?.include).toEqual(tier);
    expect(tier).toEqual(expect.arrayContaining(["test/core/contract/deploy-policy.test.ts"]));
    expect(tier.length).toBeGreaterThan(10);
    expect(tier.length).toBeLessThan(allTests().length);
  });
});
