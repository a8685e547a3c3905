/**
 * Invokes a function on the local cloud through the official FC 2023-03-30
 * client and returns what the function said, failure included: our
 * FcClient reduces a function error to its type, and these tests need the
 * error message (the API error code the function met).
 */
import { Readable } from "node:stream";
import * as fcModule from "@alicloud/fc20230330";
import * as openapiCoreModule from "@alicloud/openapi-core";
import * as daraModule from "@darabonba/typescript";
import { commonJsDefault } from "../../../src/cloud-api/commonjs-default.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";

const FcSdk = commonJsDefault(fcModule);

export type InvocationOutcome =
  | { ok: true; output: unknown }
  | { ok: false; errorType: string; errorMessage: string };

export async function invokeForOutcome(
  cloud: RunningLocalCloud,
  functionName: string,
  event: unknown,
): Promise<InvocationOutcome> {
  const client = new FcSdk(
    new openapiCoreModule.$OpenApiUtil.Config({
      ...cloud.credentials,
      endpoint: `127.0.0.1:${cloud.port}`,
      protocol: "http",
      regionId: cloud.region,
    }),
  );
  const response = await client.invokeFunctionWithOptions(
    functionName,
    new fcModule.InvokeFunctionRequest({
      body: Readable.from([Buffer.from(JSON.stringify(event))]),
    }),
    new fcModule.InvokeFunctionHeaders({ xFcInvocationType: "Sync" }),
    // httpx applies connectTimeout (default 3 s) as the socket's idle timeout, and a synchronous
    // invocation sends nothing until the function returns: a rotation over a slower transport
    // (Cloud Assistant polls) would be cut off as a "ConnectTimeout".
    new daraModule.RuntimeOptions({
      autoretry: false,
      readTimeout: 60_000,
      connectTimeout: 60_000,
    }),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString("utf8");
  const parsed = text === "" ? undefined : (JSON.parse(text) as unknown);
  if (response.headers?.["x-fc-error-type"]) {
    const error = (parsed ?? {}) as { errorType?: unknown; errorMessage?: unknown };
    return {
      ok: false,
      errorType: String(error.errorType),
      errorMessage: String(error.errorMessage),
    };
  }
  return { ok: true, output: parsed };
}
