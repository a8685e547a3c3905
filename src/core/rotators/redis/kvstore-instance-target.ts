/**
 * An ApsaraDB for Redis/Tair secret's instance: one the function's
 * deployment allows (ROTOR_REDIS_INSTANCES), and the host and port the
 * secret logs in to must be one of that instance's own addresses
 * (DescribeDBInstanceNetInfo, as the function's RAM identity sees them).
 * The login that proves the current password before any account change
 * therefore reaches the instance itself, never a server the secret's
 * writer runs. Both are checked before any login and any account change.
 */
import type { KvstoreClient } from "@rotor/cloud-api";
import { PolicyError } from "@rotor/cloud-api";
import { allowsExactly, describeAllowed } from "../../contract/deploy-policy.ts";
import type { RotatorContext } from "../../contract/rotator-contract.ts";
import { sameHost, TargetMismatchError } from "../../contract/trust-boundary-errors.ts";
import type { ExternalRunner } from "./redis-connection.ts";

/** Refuses an instance the deployment does not list; calls nothing. */
export function checkKvstoreInstanceAllowed(
  ctx: RotatorContext<unknown>,
  instanceId: string,
): void {
  const allowed = ctx.policy.redisInstances;
  if (!allowsExactly(allowed, instanceId)) {
    throw new PolicyError(
      `Secret ${ctx.secretName} names ApsaraDB for Redis/Tair instance ${instanceId}, which this function may not manage (ROTOR_REDIS_INSTANCES: ${describeAllowed(allowed)}); nothing was called`,
    );
  }
}

/** The instance is allowed and the secret's host and port are one of its addresses. */
export async function checkKvstoreInstanceTarget(
  ctx: RotatorContext<unknown>,
  value: { InstanceId: string; host: string; port: number },
  kvstore: KvstoreClient,
  run: ExternalRunner,
): Promise<void> {
  checkKvstoreInstanceAllowed(ctx, value.InstanceId);
  const { addresses } = await run("kvstore.DescribeDBInstanceNetInfo", () =>
    kvstore.describeNetInfo({ instanceId: value.InstanceId }),
  );
  const isInstance = addresses.some(
    (address) =>
      address.port === value.port &&
      (sameHost(address.connectionString, value.host) || sameHost(address.ipAddress, value.host)),
  );
  if (!isInstance) {
    const known = addresses.map((address) => `${address.connectionString}:${address.port}`);
    throw new TargetMismatchError(
      `Secret ${ctx.secretName} names ${value.host}:${value.port}, which is not an address of ApsaraDB for Redis/Tair instance ${value.InstanceId} (${known.join(", ") || "none reported"}): logins that prove its passwords go only to the instance itself, so nothing was sent`,
    );
  }
}
