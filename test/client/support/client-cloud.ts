/**
 * A local cloud for the client's tests: state in a temp folder so the cloud
 * can be stopped (a KMS outage) and started again on the same port with the
 * same secrets and keys. Its clock reads `Date.now()` at each request, so
 * vitest's fake timers move the cloud's time together with the client's.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KmsClient } from "../../../src/cloud-api/kms-client.ts";
import { type RunningLocalCloud, startLocalCloud } from "../../../src/local-cloud/embedded.ts";

export interface ClientTestCloud {
  endpoint: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  /** Root-account client for setting secrets up and rotating them. */
  admin: KmsClient;
  /** Stops the server: KMS is down until `start()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same state. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

export async function startClientCloud(
  options: { throttle?: Record<string, number> } = {},
): Promise<ClientTestCloud> {
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-client-cloud-"));
  const launch = (port: number, rootCredentials?: RunningLocalCloud["credentials"]) =>
    startLocalCloud({
      stateDir,
      port,
      rootCredentials,
      throttle: options.throttle,
      now: () => Date.now(),
    });
  let running: RunningLocalCloud | undefined = await launch(0);
  const { port, credentials, endpoint } = running;
  const admin = new KmsClient({
    endpoint,
    credentials,
    retry: { attempts: 8, baseDelayMs: 20, maxDelayMs: 200 },
  });
  return {
    endpoint,
    credentials,
    admin,
    async stop() {
      await running?.close();
      running = undefined;
    },
    async start() {
      running ??= await launch(port, credentials);
    },
    async close() {
      await running?.close();
      running = undefined;
      await rm(stateDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** A secret name no other test, nor anyone testing at the same time, will pick. */
export function uniqueSecretName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A fresh version id, as a rotation would choose. */
export function newVersionId(): string {
  return `v-${randomUUID()}`;
}
