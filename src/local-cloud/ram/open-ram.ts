/**
 * Sets RAM up inside the local cloud: opens its durable stores, makes its
 * users' keys authenticate and its policies apply, and returns the product
 * with the directory STS reads roles from.
 */
import type { Product } from "../product.ts";
import type { ProductDeps } from "../product-deps.ts";
import { RamDirectory } from "./ram-directory.ts";
import { createRamProduct } from "./ram-product.ts";
import type { PolicyRecord, RoleRecord, UserRecord } from "./ram-records.ts";

export async function openRam(
  deps: ProductDeps,
): Promise<{ product: Product; directory: RamDirectory }> {
  const directory = new RamDirectory(deps.accountId, {
    users: await deps.openStore<UserRecord>("ram/users"),
    roles: await deps.openStore<RoleRecord>("ram/roles"),
    policies: await deps.openStore<PolicyRecord>("ram/policies"),
  });
  directory.register(deps.identities);
  return { product: createRamProduct(directory), directory };
}
