import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start real servers on loopback ports; forks keep their
    // processes apart so one suite's crash cannot take another down.
    pool: "forks",
  },
});
