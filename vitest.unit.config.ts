/**
 * `npm run test:unit`: the tests that can start no server and no process
 * (no MariaDB, PostgreSQL, sshd, redis-server, local cloud or child
 * process): the fast loop while working. Which tests those are is decided
 * by their imports, not by a list (test/architecture/unit-tier.ts).
 * `npm test` still runs every test.
 */
import { defineConfig } from "vitest/config";
import { unitTierTests } from "./test/architecture/unit-tier.ts";
import base from "./vitest.config.ts";

export default defineConfig({ ...base, test: { ...base.test, include: unitTierTests() } });
