/**
 * PostgreSQL for the test suites: the server itself lives in
 * src/local-cloud/embedded-postgres-server.ts (the demo starts it too); this
 * adds the suites' rule for a missing server.
 */
import { postgresMissing } from "../../src/local-cloud/embedded-postgres-server.ts";

export {
  hydrateLibrarySymlinks,
  postgresMissing,
  type RunningPostgres,
  startPostgres,
} from "../../src/local-cloud/embedded-postgres-server.ts";

/**
 * True when the suite should be skipped. Under CI=true a missing server is a
 * failure, not a skip.
 */
export async function skipUnlessPostgres(): Promise<boolean> {
  const missing = await postgresMissing();
  if (missing === undefined) return false;
  if (process.env.CI === "true") throw new Error(`PostgreSQL is required under CI: ${missing}`);
  console.warn(`skipping PostgreSQL tests: ${missing}`);
  return true;
}
