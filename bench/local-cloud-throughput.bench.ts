/**
 * GetSecretValue requests per second through the official
 * `@alicloud/openapi-client` (V3 signatures, its keep-alive agent) at
 * concurrency 16, against the local cloud started as a separate process by
 * the CLI (durable state in a temp folder), and against a bare node:http
 * server answering the same JSON body through the same client path: the
 * ratio is what signature checks, routing and the KMS logic cost.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import * as openapiModule from "@alicloud/openapi-client";
import * as teaUtilModule from "@alicloud/tea-util";
import { commonJsDefault } from "../src/clients/commonjs-default.ts";
import { KmsClient } from "../src/clients/kms-client.ts";
import { signV3 } from "../test/local-cloud/support/test-signer.ts";
import type { BenchResult } from "./bench-result.ts";
import { startChildServer } from "./support/child-server.ts";
import { closedLoopLoad, type LoadResult } from "./support/closed-loop-load.ts";
import { presignedSender } from "./support/presigned-http-client.ts";

const CONCURRENCY = 16;
const REQUESTS = 20_000;
const MAX_MS = 30_000;
const WARMUP_REQUESTS = 1_000;
/** What the local cloud should sustain on a 2-core machine. */
const TARGET_RPS = 2_000;

const OpenApiClient = commonJsDefault(openapiModule);
const ROOT = resolve(import.meta.dirname, "..");

function getSecretValueCaller(
  port: number,
  credentials: { accessKeyId: string; accessKeySecret: string },
) {
  const client = new OpenApiClient(
    new openapiModule.Config({
      ...credentials,
      endpoint: `127.0.0.1:${port}`,
      protocol: "http",
      regionId: "cn-hangzhou",
    }),
  );
  const params = new openapiModule.Params({
    action: "GetSecretValue",
    version: "2016-01-20",
    protocol: "HTTPS",
    pathname: "/",
    method: "POST",
    authType: "AK",
    style: "RPC",
    reqBodyType: "formData",
    bodyType: "json",
  });
  const runtime = new teaUtilModule.RuntimeOptions({ autoretry: false, readTimeout: 30_000 });
  return async () => {
    const request = new openapiModule.OpenApiRequest({ query: { SecretName: "bench/db" } });
    return (await client.callApi(params, request, runtime)) as { body: Record<string, unknown> };
  };
}

async function measure(call: () => Promise<unknown>): Promise<LoadResult> {
  await closedLoopLoad({ call, concurrency: CONCURRENCY, total: WARMUP_REQUESTS, maxMs: MAX_MS });
  return closedLoopLoad({ call, concurrency: CONCURRENCY, total: REQUESTS, maxMs: MAX_MS });
}

/**
 * The same GetSecretValue, signed ahead of time (each with its own nonce) and
 * sent over a bare keep-alive agent: the server's capacity once the official
 * client's own cost is taken out of the client process.
 */
async function measurePresigned(
  port: number,
  credentials: { accessKeyId: string; accessKeySecret: string },
): Promise<LoadResult> {
  const sign = () =>
    signV3({
      host: `127.0.0.1:${port}`,
      ...credentials,
      action: "GetSecretValue",
      query: { SecretName: "bench/db" },
    });
  const sender = presignedSender(port, CONCURRENCY);
  try {
    const warmup = Array.from({ length: WARMUP_REQUESTS }, sign);
    await closedLoopLoad({
      call: () => sender.send(warmup.pop() ?? sign()),
      concurrency: CONCURRENCY,
      total: WARMUP_REQUESTS,
      maxMs: MAX_MS,
    });
    const signed = Array.from({ length: REQUESTS }, sign);
    return await closedLoopLoad({
      call: () => sender.send(signed.pop() ?? sign()),
      concurrency: CONCURRENCY,
      total: REQUESTS,
      maxMs: MAX_MS,
    });
  } finally {
    sender.close();
  }
}

export default async function run(): Promise<BenchResult> {
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-bench-"));
  const env = { ...process.env };
  delete env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  delete env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const cloud = await startChildServer(
    [join(ROOT, "bin/rotor.mjs"), "local-cloud", "--port", "0", "--state", stateDir],
    env,
  );
  let bare: Awaited<ReturnType<typeof startChildServer>> | undefined;
  try {
    const account = JSON.parse(await readFile(join(stateDir, "account.json"), "utf8")) as {
      accessKeyId: string;
      accessKeySecret: string;
    };
    const credentials = {
      accessKeyId: account.accessKeyId,
      accessKeySecret: account.accessKeySecret,
    };
    const kms = new KmsClient({ endpoint: `http://127.0.0.1:${cloud.port}`, credentials });
    await kms.createSecret({
      secretName: "bench/db",
      secretData: JSON.stringify({ AccountName: "app", AccountPassword: "x".repeat(32) }),
      versionId: "v1",
    });
    const cloudCall = getSecretValueCaller(cloud.port, credentials);
    const sample = await cloudCall();
    bare = await startChildServer(
      ["--import", "tsx", join(ROOT, "bench/support/bare-json-server.ts")],
      { ...process.env, BARE_JSON_BODY: JSON.stringify(sample.body) },
    );
    const bareCall = getSecretValueCaller(bare.port, credentials);

    const cloudLoad = await measure(cloudCall);
    const bareLoad = await measure(bareCall);
    const cloudPresigned = await measurePresigned(cloud.port, credentials);
    const barePresigned = await measurePresigned(bare.port, credentials);

    const ratio = cloudLoad.requestsPerSecond / bareLoad.requestsPerSecond;
    const presignedRatio = cloudPresigned.requestsPerSecond / barePresigned.requestsPerSecond;
    const row = (label: string, load: LoadResult) =>
      `| ${label} | ${load.completed} | ${load.failed} | ${Math.round(load.requestsPerSecond)} | ${load.p50Ms.toFixed(1)} | ${load.p99Ms.toFixed(1)} |`;
    return {
      name: "Local cloud throughput (GetSecretValue)",
      description: `GetSecretValue through @alicloud/openapi-client (V3, keep-alive) at concurrency ${CONCURRENCY}, ${REQUESTS} requests or ${MAX_MS / 1000} s (whichever first) after ${WARMUP_REQUESTS} warm-up requests, on loopback. The local cloud runs as a child process (\`rotor local-cloud\`, state in a temp folder); the baseline is a bare node:http child process answering the same JSON body without checking signatures.`,
      lines: [
        "| server | requests | failed | requests/s | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
        row("local cloud, official client", cloudLoad),
        row("bare node:http, official client", bareLoad),
        row("local cloud, pre-signed requests", cloudPresigned),
        row("bare node:http, pre-signed requests", barePresigned),
        "",
        `Through the official client, local cloud / bare server: **${ratio.toFixed(2)}**; with pre-signed requests (the server's own capacity): **${presignedRatio.toFixed(2)}**.`,
        `Target ${TARGET_RPS} requests/s for the local cloud: ${Math.round(cloudLoad.requestsPerSecond)} through the official client (${cloudLoad.requestsPerSecond >= TARGET_RPS ? "met" : "not met"}; the same client reaches only ${Math.round(bareLoad.requestsPerSecond)} against the bare server, so the client process is the ceiling there), ${Math.round(cloudPresigned.requestsPerSecond)} with pre-signed requests (${cloudPresigned.requestsPerSecond >= TARGET_RPS ? "met" : "not met"}).`,
      ],
      numbers: {
        localCloudRequestsPerSecond: Math.round(cloudLoad.requestsPerSecond),
        bareServerRequestsPerSecond: Math.round(bareLoad.requestsPerSecond),
        localCloudToBareRatio: ratio,
        localCloudP99Ms: cloudLoad.p99Ms,
        localCloudPresignedRequestsPerSecond: Math.round(cloudPresigned.requestsPerSecond),
        bareServerPresignedRequestsPerSecond: Math.round(barePresigned.requestsPerSecond),
        localCloudToBarePresignedRatio: presignedRatio,
        failedRequests:
          cloudLoad.failed + bareLoad.failed + cloudPresigned.failed + barePresigned.failed,
      },
    };
  } finally {
    await bare?.stop();
    await cloud.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}
