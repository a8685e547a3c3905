/**
 * One RPC call to a local cloud through `@alicloud/openapi-client`'s generic
 * `callApi`, the way every current Alibaba SDK (r-kvstore20150101,
 * polardb20170801, …) sends its requests: signature V3 by default, V1 with
 * `signature: "v1"`. Parameters go as the SDK's models name them; the answer
 * is the wire body, or the error envelope the SDK surfaced.
 */
import * as openapiModule from "@alicloud/openapi-client";
import * as teaUtilModule from "@alicloud/tea-util";
import { commonJsDefault } from "../../src/cloud-api/commonjs-default.ts";

const OpenApiClient = commonJsDefault(openapiModule);

export type RpcOutcome =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; statusCode: number; code: string; message: string };

export async function officialRpcCall(
  cloud: {
    port: number;
    region: string;
    credentials: { accessKeyId: string; accessKeySecret: string };
  },
  request: {
    version: string;
    action: string;
    params: Readonly<Record<string, string>>;
    signature?: "v3" | "v1";
  },
): Promise<RpcOutcome> {
  const client = new OpenApiClient(
    new openapiModule.Config({
      accessKeyId: cloud.credentials.accessKeyId,
      accessKeySecret: cloud.credentials.accessKeySecret,
      endpoint: `127.0.0.1:${cloud.port}`,
      protocol: "http",
      regionId: cloud.region,
      signatureAlgorithm: request.signature === "v1" ? "v2" : undefined,
    }),
  );
  const params = new openapiModule.Params({
    action: request.action,
    version: request.version,
    protocol: "HTTPS",
    pathname: "/",
    method: "POST",
    authType: "AK",
    style: "RPC",
    reqBodyType: "formData",
    bodyType: "json",
  });
  const runtime = new teaUtilModule.RuntimeOptions({ autoretry: false, readTimeout: 30_000 });
  try {
    const response = (await client.callApi(
      params,
      new openapiModule.OpenApiRequest({ query: { ...request.params } }),
      runtime,
    )) as { body: Record<string, unknown> };
    return { ok: true, body: response.body };
  } catch (error) {
    const data = (error as { data?: Record<string, unknown> }).data;
    if (!data) throw error;
    return {
      ok: false,
      statusCode: Number(data.statusCode),
      code: String(data.Code),
      message: String(data.Message),
    };
  }
}
