/**
 * Drives the local cloud through `@alicloud/openapi-client`'s generic
 * `callApi`, the way every current Alibaba SDK calls RPC APIs: signature V3
 * (ACS3-HMAC-SHA256) by default, V1 (HMAC-SHA1) with `signatureAlgorithm: "v2"`.
 */
import * as openapiModule from "@alicloud/openapi-client";
import * as teaUtilModule from "@alicloud/tea-util";
import { commonJsDefault } from "../../../src/cloud-api/commonjs-default.ts";
import { envelopeOf, type KmsDriverFactory, WireError } from "./kms-driver.ts";

const OpenApiClient = commonJsDefault(openapiModule);

export function openApiClientDriver(signature: "v3" | "v1"): KmsDriverFactory {
  const name = `@alicloud/openapi-client callApi (${signature === "v3" ? "V3 ACS3-HMAC-SHA256" : "V1 HMAC-SHA1"})`;
  return {
    name,
    create(cloud) {
      const client = new OpenApiClient(
        new openapiModule.Config({
          accessKeyId: cloud.credentials.accessKeyId,
          accessKeySecret: cloud.credentials.accessKeySecret,
          endpoint: `127.0.0.1:${cloud.port}`,
          protocol: "http",
          regionId: cloud.region,
          signatureAlgorithm: signature === "v1" ? "v2" : undefined,
        }),
      );
      const runtime = new teaUtilModule.RuntimeOptions({ autoretry: false, readTimeout: 30_000 });
      return {
        name,
        async call(action, params) {
          const request = new openapiModule.OpenApiRequest({ query: { ...params } });
          const apiParams = new openapiModule.Params({
            action,
            version: "2016-01-20",
            protocol: "HTTPS",
            pathname: "/",
            method: "POST",
            authType: "AK",
            style: "RPC",
            reqBodyType: "formData",
            bodyType: "json",
          });
          try {
            const response = (await client.callApi(apiParams, request, runtime)) as {
              body: Record<string, unknown>;
            };
            return response.body;
          } catch (error) {
            const envelope = envelopeOf(error);
            throw new WireError(
              Number(envelope.statusCode),
              String(envelope.Code),
              String(envelope.Message),
              envelope.RequestId === undefined ? undefined : String(envelope.RequestId),
              envelope,
              { cause: error },
            );
          }
        },
      };
    },
  };
}
