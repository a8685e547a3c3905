/**
 * The products the local cloud serves. Each product gets what it needs from
 * `ProductDeps` (its own durable stores, the identities, the options) and
 * returns its actions; the server routes requests to it by API version.
 * A new product is one more line in `buildProducts`.
 */
import { type AccountDescriptionRecord, AccountDescriptions } from "./account-descriptions.ts";
import { createEcsProduct } from "./ecs/ecs-product.ts";
import { openEventBridge } from "./eventbridge/eventbridge-product.ts";
import { createFcProduct, type LocalFunctionCompute } from "./fc/fc-product.ts";
import { createKmsProduct } from "./kms/kms-product.ts";
import type { SecretRecord } from "./kms/secret-record.ts";
import { createKvstoreProduct } from "./kvstore/kvstore-product.ts";
import { createPolarDbProduct } from "./polardb/polardb-product.ts";
import type { Product } from "./product.ts";
import type { ProductDeps } from "./product-deps.ts";
import { openRam } from "./ram/open-ram.ts";
import { createRdsProduct } from "./rds/rds-product.ts";
import { openSts } from "./sts/open-sts.ts";

export interface BuiltProducts {
  products: Product[];
  /** The local Function Compute, where functions are deployed. */
  fc: LocalFunctionCompute;
  /** How many secrets KMS holds (those in a recovery window included). */
  secretCount(): number;
}

export async function buildProducts(deps: ProductDeps): Promise<BuiltProducts> {
  const functionCompute = createFcProduct({
    region: deps.region,
    accountId: deps.accountId,
    identities: deps.identities,
    rootCredentials: deps.rootCredentials,
  });
  const ram = await openRam(deps);
  const secrets = await deps.openStore<SecretRecord>("kms/secrets");
  const products = [
    ram.product,
    await openSts(deps, ram.directory),
    createKmsProduct({
      region: deps.region,
      accountId: deps.accountId,
      store: secrets,
      currentMovesPrevious: deps.options.currentMovesPrevious ?? true,
      tagFilterMatchLimit: deps.quotas?.tagFilterMatchLimit,
    }),
    functionCompute.product,
    createEcsProduct({
      ...deps,
      instances: () => deps.options.ecsInstances,
      now: deps.options.now ?? Date.now,
    }),
    createRdsProduct({ ...deps, instances: () => deps.options.rdsInstances }),
    createKvstoreProduct({
      ...deps,
      instances: () => deps.options.redisInstances,
      descriptions: new AccountDescriptions(
        await deps.openStore<AccountDescriptionRecord>("kvstore/account-descriptions"),
      ),
    }),
    createPolarDbProduct({
      ...deps,
      clusters: () => deps.options.polardbClusters,
      descriptions: new AccountDescriptions(
        await deps.openStore<AccountDescriptionRecord>("polardb/account-descriptions"),
      ),
    }),
    await openEventBridge(deps),
  ];
  return { products, fc: functionCompute.fc, secretCount: () => secrets.size };
}
