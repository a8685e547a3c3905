/**
 * What each product of the local cloud is built from: the account, the
 * root key, the identities, the options the cloud was started with, the
 * quotas in force and a durable store of its own. In a file of its own so
 * that products (RAM, STS, EventBridge) read it without importing the
 * list of products that builds them.
 */
import type { Identities } from "./identity.ts";
import type { LocalCloudOptions } from "./local-cloud-options.ts";
import type { RecordStore } from "./state/record-store.ts";
import type { ResolvedQuotas } from "./throttling/alibaba-kms-quotas.ts";

export interface ProductDeps {
  region: string;
  accountId: string;
  rootCredentials: { accessKeyId: string; accessKeySecret: string };
  identities: Identities;
  options: LocalCloudOptions;
  /** The quota preset in force, options applied; undefined without quotas. */
  quotas: ResolvedQuotas | undefined;
  /** A durable store under `<state>/<name>` (in memory without a state folder). */
  openStore<T>(name: string): Promise<RecordStore<T>>;
}
