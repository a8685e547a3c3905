/**
 * Starts the local cloud inside the calling process: for tests, the demo and
 * anyone who wants an Alibaba Cloud on loopback without a separate process.
 *
 * @example
 * const cloud = await startLocalCloud({ stateDir: await mkdtemp(…) });
 * const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
 * await serveBuiltInFunctions(cloud); // optional: functions/ on its FC, as `rotor local-cloud` does
 * …
 * await cloud.close();
 */
import { createLocalCloud, type LocalCloudOptions, type RunningLocalCloud } from "./server.ts";

// Rotor's own functions on the cloud's FC, each as its role (what `rotor local-cloud` serves).
export {
  type BuiltInFunctionsOptions,
  type ServedFunction,
  serveBuiltInFunctions,
} from "./fc/built-in-functions.ts";
export type { LocalCloudOptions, RunningLocalCloud };

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<RunningLocalCloud> {
  return createLocalCloud(options);
}
