/**
 * What the application-side cache buys. Two numbers:
 *
 * - the cost of a cached `getSecret` call, against a plain `Map` lookup
 *   awaited the same way, measured in the same run;
 * - how many KMS calls 10,000 reads spread over 100 secrets cause within one
 *   TTL (target: 100, one per secret), counted by the client's call observer
 *   against an in-process local cloud.
 */
import { SecretsClient } from "../src/client/secrets-client.ts";
import { KmsClient } from "../src/cloud-api/kms-client.ts";
import { startLocalCloud } from "../src/local-cloud/embedded.ts";
import type { BenchResult } from "./bench-result.ts";

const SECRETS = 100;
const READS = 10_000;
const CACHED_CALLS = 200_000;
/** Reads in flight at once, as in a busy service. */
const CONCURRENCY = 50;

export default async function run(): Promise<BenchResult> {
  const cloud = await startLocalCloud({ port: 0 });
  try {
    const admin = new KmsClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const names = Array.from({ length: SECRETS }, (_, index) => `bench/client-${index}`);
    for (const secretName of names) {
      await admin.createSecret({
        secretName,
        secretData: `value-of-${secretName}`,
        versionId: "v1",
      });
    }
    let apiCalls = 0;
    const client = new SecretsClient({
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
      observer: { before: () => void apiCalls++ },
    });

    // 10,000 reads across 100 secrets, CONCURRENCY at a time, cold cache.
    let next = 0;
    const reader = async () => {
      while (next < READS) {
        const secretName = names[next++ % SECRETS] as string;
        await client.getSecret(secretName);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, reader));
    const callsForReads = apiCalls;

    // Per-call cost once cached, against an awaited Map lookup.
    const baseline = new Map(names.map((name) => [name, `value-of-${name}`]));
    const mapNs = await nsPerCall(async (index) => baseline.get(names[index % SECRETS] as string));
    const cachedNs = await nsPerCall((index) => client.getSecret(names[index % SECRETS] as string));
    client.close();

    return {
      name: "Secrets client cache",
      description: `${READS} reads over ${SECRETS} secrets against an in-process local cloud, then ${CACHED_CALLS} cached reads against an awaited Map lookup.`,
      lines: [
        `- KMS calls for ${READS} reads over ${SECRETS} secrets within one TTL: ${callsForReads} (target ${SECRETS})`,
        `- cached getSecret: ${cachedNs.toFixed(0)} ns a call; awaited Map lookup: ${mapNs.toFixed(0)} ns (${(cachedNs / mapNs).toFixed(1)}x)`,
      ],
      numbers: {
        kmsCallsFor10kReads: callsForReads,
        kmsCallsTarget: SECRETS,
        cachedGetSecretNs: cachedNs,
        mapLookupNs: mapNs,
        cachedToMapRatio: cachedNs / mapNs,
      },
    };
  } finally {
    await cloud.close();
  }
}

/** Mean nanoseconds per awaited call, after a warm-up. */
async function nsPerCall(call: (index: number) => Promise<unknown>): Promise<number> {
  for (let index = 0; index < 10_000; index++) await call(index);
  const started = process.hrtime.bigint();
  for (let index = 0; index < CACHED_CALLS; index++) await call(index);
  return Number(process.hrtime.bigint() - started) / CACHED_CALLS;
}
