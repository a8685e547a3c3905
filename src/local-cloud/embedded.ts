/**
 * Starts the local cloud inside the calling process: for tests, the demo and
 * anyone who wants an Alibaba Cloud on loopback without a separate process.
 *
 * @example
 * const cloud = await startLocalCloud({ stateDir: await mkdtemp(…) });
 * const kms = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
 * cloud.fc.deploy({ name: "my-function", handler }); // optional: a function on its FC
 * …
 * await cloud.close();
 */
import { createLocalCloud, type LocalCloudOptions, type RunningLocalCloud } from "./server.ts";

export type { LocalCloudOptions, RunningLocalCloud };

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<RunningLocalCloud> {
  return createLocalCloud(options);
}
