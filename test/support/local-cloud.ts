/**
 * A local cloud for one test suite: started in-process with its state in a
 * fresh temporary folder, with a KmsClient already pointed at it, and
 * stopped (folder removed) by `close()`.
 *
 * @example
 * const cloud = await startTestCloud();
 * afterAll(() => cloud.close());
 * await cloud.kms.createSecret({ secretName: "db", secretData: "{}", versionId: "v1" });
 *
 * Or let vitest's hooks do both: `const cloud = useLocalCloud();` at the top
 * of a `describe`, then `cloud().kms` inside the tests.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { KmsClient, type KmsClientOptions } from "../../src/cloud-api/kms-client.ts";
import {
  type LocalCloudOptions,
  type RunningLocalCloud,
  startLocalCloud,
} from "../../src/local-cloud/embedded.ts";

export interface TestCloud extends RunningLocalCloud {
  /** A client for the root account, retries fast so throttling tests stay short. */
  kms: KmsClient;
  /** The temporary state folder (removed by close). */
  stateDir: string;
  /** Another KmsClient for this cloud, e.g. with an observer or retries off. */
  kmsClient(options?: Omit<KmsClientOptions, "endpoint">): KmsClient;
  /** Stops the server and removes the state folder. Safe to call twice. */
  close(): Promise<void>;
}

export interface TestCloudOptions extends Omit<LocalCloudOptions, "stateDir"> {
  /** Keep state in memory only (no folder): faster, but nothing to restart from. */
  inMemory?: boolean;
}

/** Starts a local cloud on a free loopback port with state in a new temp folder. */
export async function startTestCloud(options: TestCloudOptions = {}): Promise<TestCloud> {
  const { inMemory, ...cloudOptions } = options;
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-test-cloud-"));
  let cloud: RunningLocalCloud;
  try {
    cloud = await startLocalCloud({
      port: 0,
      ...cloudOptions,
      stateDir: inMemory ? undefined : stateDir,
    });
  } catch (error) {
    await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
  const kmsClient = (clientOptions: Omit<KmsClientOptions, "endpoint"> = {}) =>
    new KmsClient({
      credentials: cloud.credentials,
      region: cloud.region,
      retry: { baseDelayMs: 20, maxDelayMs: 500 },
      ...clientOptions,
      endpoint: cloud.endpoint,
    });
  let closing: Promise<void> | undefined;
  return {
    ...cloud,
    stateDir,
    kms: kmsClient(),
    kmsClient,
    close() {
      closing ??= cloud
        .close()
        .finally(() => rm(stateDir, { recursive: true, force: true, maxRetries: 3 }));
      return closing;
    },
  };
}

/**
 * Starts a test cloud in `beforeAll` and closes it in `afterAll`; returns a
 * getter for it (the cloud exists only once the hook has run).
 */
export function useLocalCloud(options: TestCloudOptions = {}): () => TestCloud {
  let cloud: TestCloud | undefined;
  beforeAll(async () => {
    cloud = await startTestCloud(options);
  });
  afterAll(async () => {
    await cloud?.close();
  });
  return () => {
    if (!cloud) throw new Error("useLocalCloud(): the cloud starts in beforeAll; use it in a test");
    return cloud;
  };
}

/** A name no other test (or engineer running tests at the same time) will pick. */
export function uniqueName(prefix = "test"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
