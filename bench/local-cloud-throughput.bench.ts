/**
 * GetSecretValue requests per second against the local cloud started as a
 * separate process by the CLI (durable state in a temp folder), beside a
 * bare node:http server (also a child process) answering the same JSON body
 * without checking signatures. Two client paths, each run against both:
 *
 * - the official `@alicloud/openapi-client` (V3 signatures, its keep-alive
 *   agent) at concurrency 16: what an SDK user sees;
 * - the same request signed ahead of time and sent over a bare keep-alive
 *   agent: the server's own capacity, with the client's cost taken out.
 *
 * Rounds alternate between the two servers, so other work on the machine
 * slows both alike and the ratio stays meaningful.
 */
import { join, resolve } from "node:path";
import * as openapiModule from "@alicloud/openapi-client";
import * as teaUtilModule from "@alicloud/tea-util";
import { commonJsDefault } from "../src/cloud-api/commonjs-default.ts";
import { KmsClient } from "../src/cloud-api/kms-client.ts";
import { signV3 } from "../test/local-cloud/support/test-signer.ts";
import type { BenchResult } from "./bench-result.ts";
import { type ChildServer, startChildServer } from "./support/child-server.ts";
import {
  closedLoopLoad,
  combine,
  type LoadResult,
  percentileMs,
  requestsPerSecond,
} from "./support/closed-loop-load.ts";
import { startLocalCloudProcess } from "./support/local-cloud-process.ts";
import { presignedSender } from "./support/presigned-http-client.ts";

const CONCURRENCY = 16;
/** Per target and client path: ROUNDS rounds of REQUESTS_PER_ROUND. */
const ROUNDS = 4;
const REQUESTS_PER_ROUND = 4_000;
const MAX_MS_PER_ROUND = 10_000;
const WARMUP_REQUESTS = 1_000;
/** What the local cloud should sustain on a 2-core machine. */
const TARGET_RPS = 2_000;

const OpenApiClient = commonJsDefault(openapiModule);
const ROOT = resolve(import.meta.dirname, "..");

type Credentials = { accessKeyId: string; accessKeySecret: string };
/** Makes a function that sends `count` GetSecretValue requests' worth of calls. */
type CallFactory = (port: number, count: number) => { call: () => Promise<unknown>; done(): void };

const officialClient =
  (credentials: Credentials): CallFactory =>
  (port) => {
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
    return {
      call: () =>
        client.callApi(
          params,
          new openapiModule.OpenApiRequest({ query: { SecretName: "bench/db" } }),
          runtime,
        ),
      done() {},
    };
  };

/** Requests signed before the clock starts, each with its own nonce. */
const presignedRequests =
  (credentials: Credentials): CallFactory =>
  (port, count) => {
    const sign = () =>
      signV3({
        host: `127.0.0.1:${port}`,
        ...credentials,
        action: "GetSecretValue",
        query: { SecretName: "bench/db" },
      });
    const signed = Array.from({ length: count }, sign);
    const sender = presignedSender(port, CONCURRENCY);
    return { call: () => sender.send(signed.pop() ?? sign()), done: () => sender.close() };
  };

async function load(factory: CallFactory, port: number, count: number): Promise<LoadResult> {
  const { call, done } = factory(port, count);
  try {
    return await closedLoopLoad({
      call,
      concurrency: CONCURRENCY,
      total: count,
      maxMs: MAX_MS_PER_ROUND,
    });
  } finally {
    done();
  }
}

/** Warms both servers up, then alternates rounds between them. */
async function compare(
  factory: CallFactory,
  cloud: { port: number },
  bare: { port: number },
): Promise<{ cloud: LoadResult; bare: LoadResult }> {
  await load(factory, cloud.port, WARMUP_REQUESTS);
  await load(factory, bare.port, WARMUP_REQUESTS);
  const cloudRounds: LoadResult[] = [];
  const bareRounds: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cloudFirst = round % 2 === 0;
    if (cloudFirst) cloudRounds.push(await load(factory, cloud.port, REQUESTS_PER_ROUND));
    bareRounds.push(await load(factory, bare.port, REQUESTS_PER_ROUND));
    if (!cloudFirst) cloudRounds.push(await load(factory, cloud.port, REQUESTS_PER_ROUND));
  }
  return { cloud: combine(cloudRounds), bare: combine(bareRounds) };
}

export default async function run(): Promise<BenchResult> {
  const cloud = await startLocalCloudProcess();
  let bare: ChildServer | undefined;
  try {
    const { credentials } = cloud;
    const kms = new KmsClient({ endpoint: cloud.endpoint, credentials });
    await kms.createSecret({
      secretName: "bench/db",
      secretData: JSON.stringify({ AccountName: "app", AccountPassword: "x".repeat(32) }),
      versionId: "v1",
    });
    const sample = (await officialClient(credentials)(cloud.port, 1).call()) as {
      body: Record<string, unknown>;
    };
    bare = await startChildServer(
      ["--import", "tsx", join(ROOT, "bench/support/bare-json-server.ts")],
      { ...process.env, BARE_JSON_BODY: JSON.stringify(sample.body) },
    );

    const official = await compare(officialClient(credentials), cloud, bare);
    const presigned = await compare(presignedRequests(credentials), cloud, bare);

    const rps = {
      official: requestsPerSecond(official.cloud),
      officialBare: requestsPerSecond(official.bare),
      presigned: requestsPerSecond(presigned.cloud),
      presignedBare: requestsPerSecond(presigned.bare),
    };
    const row = (label: string, result: LoadResult) =>
      `| ${label} | ${result.completed} | ${result.failed} | ${Math.round(requestsPerSecond(result))} | ${percentileMs(result, 50).toFixed(1)} | ${percentileMs(result, 99).toFixed(1)} |`;
    const verdict = (value: number) =>
      `${Math.round(value)} (${value >= TARGET_RPS ? "met" : "not met"})`;
    return {
      name: "Local cloud throughput (GetSecretValue)",
      description: `GetSecretValue at concurrency ${CONCURRENCY} on loopback, ${ROUNDS} alternating rounds of ${REQUESTS_PER_ROUND} requests (each bounded to ${MAX_MS_PER_ROUND / 1000} s) per server after ${WARMUP_REQUESTS} warm-up requests. The local cloud runs as a child process (\`rotor local-cloud\`, state in a temp folder); the baseline is a bare node:http child process answering the same JSON body without checking signatures. Client paths: the official @alicloud/openapi-client (V3, keep-alive), and requests signed ahead of time sent over a keep-alive node:http agent (the server's own capacity).`,
      lines: [
        "| server, client path | requests | failed | requests/s | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
        row("local cloud, official client", official.cloud),
        row("bare node:http, official client", official.bare),
        row("local cloud, pre-signed requests", presigned.cloud),
        row("bare node:http, pre-signed requests", presigned.bare),
        "",
        `Local cloud / bare server: **${(rps.official / rps.officialBare).toFixed(2)}** through the official client, **${(rps.presigned / rps.presignedBare).toFixed(2)}** with pre-signed requests.`,
        `Target ${TARGET_RPS} requests/s for the local cloud: ${verdict(rps.official)} through the official client, ${verdict(rps.presigned)} with pre-signed requests.`,
      ],
      numbers: {
        localCloudRequestsPerSecond: Math.round(rps.official),
        bareServerRequestsPerSecond: Math.round(rps.officialBare),
        localCloudToBareRatio: rps.official / rps.officialBare,
        localCloudPresignedRequestsPerSecond: Math.round(rps.presigned),
        bareServerPresignedRequestsPerSecond: Math.round(rps.presignedBare),
        localCloudToBarePresignedRatio: rps.presigned / rps.presignedBare,
        localCloudP99Ms: percentileMs(official.cloud, 99),
        failedRequests:
          official.cloud.failed +
          official.bare.failed +
          presigned.cloud.failed +
          presigned.bare.failed,
      },
    };
  } finally {
    await bare?.stop();
    await cloud.stop();
  }
}
