/**
 * `@rotor/testing`: check a rotator before it rotates anything real.
 * `testRotator` is the conformance suite every rotator must pass (vitest);
 * the rotation harness runs the engine against a local cloud; the fault
 * injector crashes a rotation before any external call; and the embedded
 * PostgreSQL server gives a rotator a real database to rotate.
 */
export {
  PostgresStartError,
  postgresMissing,
  type RunningPostgres,
  type StartPostgresOptions,
  startPostgres,
} from "@rotor/local-cloud/postgres";
export * from "./fault-injector.ts";
export * from "./rotation-harness.ts";
export * from "./test-rotator.ts";
