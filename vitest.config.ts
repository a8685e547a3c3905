import { defineConfig } from "vitest/config";

/**
 * The `source` export condition first: every Rotor package's exports map
 * names its TypeScript file under `source`, so the tests run the sources,
 * never a build (tsconfig's customConditions does the same for the type
 * checker). The rest are Vite's defaults for code run on Node; the tests
 * run in Vite's server (ssr) environment, hence ssr.resolve.
 */
const SOURCE_CONDITIONS = ["source", "node", "development|production"];

export default defineConfig({
  resolve: { conditions: SOURCE_CONDITIONS },
  ssr: { resolve: { conditions: SOURCE_CONDITIONS } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Suites start real servers on loopback ports; forks keep their
    // processes apart so one suite's crash cannot take another down.
    pool: "forks",
    // Two suites at once even on a 2-core machine (vitest's default is one
    // fewer than the cores): most of a suite's time is spent waiting on its
    // servers, so two halve the suite's wall time, which CI needs to stay
    // within its 20 minutes.
    maxWorkers: 2,
    minWorkers: 1,
    // The leak scan: capture all output, then look for every secret the
    // local clouds stored or issued (docs/reliability.md).
    globalSetup: ["test/setup/leak-scan-global.ts"],
    setupFiles: ["test/setup/output-capture.ts"],
  },
});
