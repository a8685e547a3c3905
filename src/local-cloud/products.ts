/**
 * The products the local cloud serves. Each product gets what it needs from
 * `ProductDeps` (its own durable stores, the identities, the options) and
 * returns its actions; the server routes requests to it by API version.
 * A new product is one more line in `buildProducts`.
 */
import type { Identities } from "./identity.ts";
import { createKmsProduct } from "./kms/kms-product.ts";
import type { SecretRecord } from "./kms/secret-record.ts";
import type { Product } from "./product.ts";
import type { LocalCloudOptions } from "./server.ts";
import type { RecordStore } from "./state/record-store.ts";

export interface ProductDeps {
  region: string;
  accountId: string;
  identities: Identities;
  options: LocalCloudOptions;
  /** A durable store under `<state>/<name>` (in memory without a state folder). */
  openStore<T>(name: string): Promise<RecordStore<T>>;
}

export async function buildProducts(deps: ProductDeps): Promise<Product[]> {
  return [
    createKmsProduct({
      region: deps.region,
      accountId: deps.accountId,
      store: await deps.openStore<SecretRecord>("kms/secrets"),
      currentMovesPrevious: deps.options.currentMovesPrevious ?? true,
    }),
  ];
}
