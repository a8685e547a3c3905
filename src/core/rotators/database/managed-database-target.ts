/**
 * A managed database secret's instance or cluster: one the function's
 * deployment allows (ROTOR_RDS_INSTANCES, ROTOR_POLARDB_CLUSTERS), and the
 * host and port the secret logs in to must be one of its own addresses
 * (RDS: DescribeDBInstanceNetInfo; PolarDB: DescribeDBClusterEndpoints, as
 * the function's RAM identity sees them). The login that proves the current
 * password before any account change therefore reaches the database
 * itself, never a server the secret's writer runs. Both are checked before
 * any login and before any account changes.
 */

import { PolicyError } from "@rotor/cloud-api";
import { allowsExactly, describeAllowed } from "../../contract/deploy-policy.ts";
import type { RotatorContext } from "../../contract/rotator-contract.ts";
import { sameHost, TargetMismatchError } from "../../contract/trust-boundary-errors.ts";
import type { DatabaseSecretValue } from "./database-secret-value.ts";
import type { ManagedDatabase, ManagedDatabaseRef } from "./managed-database.ts";

/** Refuses an instance or cluster the deployment does not list; calls nothing. */
export function checkManagedDatabaseAllowed(
  ctx: RotatorContext<unknown>,
  ref: ManagedDatabaseRef,
): void {
  const allowed = ref.allowed(ctx.policy);
  if (!allowsExactly(allowed, ref.id)) {
    throw new PolicyError(
      `Secret ${ctx.secretName} names ${ref.label}, which this function may not manage (${ref.variable}: ${describeAllowed(allowed)}); nothing was called`,
    );
  }
}

/** The database is allowed and the secret's host and port are one of its addresses. */
export async function checkManagedDatabaseTarget(
  ctx: RotatorContext<unknown>,
  value: DatabaseSecretValue,
  ref: ManagedDatabaseRef,
  database: ManagedDatabase,
): Promise<void> {
  checkManagedDatabaseAllowed(ctx, ref);
  const addresses = await database.addresses();
  const isOwn = addresses.some(
    (address) =>
      address.port === value.port &&
      (sameHost(address.connectionString, value.host) || sameHost(address.ipAddress, value.host)),
  );
  if (!isOwn) {
    const known = addresses.map((address) => `${address.connectionString}:${address.port}`);
    throw new TargetMismatchError(
      `Secret ${ctx.secretName} names ${value.host}:${value.port}, which is not an address of ${ref.label} (${known.join(", ") || "none reported"}): logins that prove its passwords go only to the database itself, so nothing was sent`,
    );
  }
}
