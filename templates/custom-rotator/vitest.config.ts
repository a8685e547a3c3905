import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each suite starts a local cloud (and the conformance suite many rotations).
    hookTimeout: 60_000,
    testTimeout: 120_000,
  },
});
