/**
 * Drives the local cloud through the official `@alicloud/kms20160120` SDK
 * (built on `@alicloud/rpc-client`, signature V1). Its Config takes the
 * endpoint as host:port plus a separate protocol: `endpoint:
 * "127.0.0.1:PORT", protocol: "http"` (a URL in `endpoint` ends up as the
 * host name and fails with getaddrinfo ENOTFOUND http).
 *
 * Each action goes through the SDK's own typed method (`createSecret(new
 * CreateSecretRequest(…))`) whenever its request model knows every
 * parameter; this SDK version predates a few (ListSecrets' Filters,
 * CreateSecret's SecretType…), and those calls go through the same
 * client's `doRequest`, which the typed methods use underneath.
 */
import * as kmsModule from "@alicloud/kms20160120";
import * as teaUtilModule from "@alicloud/tea-util";
import { commonJsDefault } from "../../../src/cloud-api/commonjs-default.ts";
import { envelopeOf, type KmsDriverFactory, type WireBody, WireError } from "./kms-driver.ts";

const KmsSdkClient = commonJsDefault(kmsModule);
type DoRequestArgs = Parameters<InstanceType<typeof KmsSdkClient>["doRequest"]>;

/** Keeps the raw JSON the typed methods turn into models, so tests see every field. */
class BodyKeepingClient extends KmsSdkClient {
  lastBody: WireBody | undefined;
  override async doRequest(...args: DoRequestArgs): Promise<{ [key: string]: unknown }> {
    const body = await super.doRequest(...args);
    this.lastBody = body;
    return body;
  }
}

interface RequestModel {
  names(): Record<string, string>;
  new (map: Record<string, unknown>): unknown;
}

const NAME = "@alicloud/kms20160120 (rpc-client, V1 HMAC-SHA1)";

export const kmsSdkDriver: KmsDriverFactory = {
  name: NAME,
  create(cloud) {
    // The SDK's README passes a plain object as its Config.
    const config = {
      accessKeyId: cloud.credentials.accessKeyId,
      accessKeySecret: cloud.credentials.accessKeySecret,
      endpoint: `127.0.0.1:${cloud.port}`,
      protocol: "http",
      regionId: cloud.region,
      readTimeout: 30_000,
    };
    const client = new BodyKeepingClient(config as ConstructorParameters<typeof KmsSdkClient>[0]);
    return {
      name: NAME,
      async call(action, params) {
        try {
          const typed = typedRequest(action, params);
          if (typed) {
            client.lastBody = undefined;
            const method = (client as unknown as Record<string, (r: unknown) => Promise<unknown>>)[
              lowerFirst(action)
            ];
            const model = (await method?.call(client, typed)) as { requestId?: string };
            // The typed model must have read the same answer the raw body holds.
            const body = client.lastBody as WireBody | undefined;
            if (body === undefined || model.requestId !== body.RequestId) {
              throw new Error(`${action}: the SDK's model lost the RequestId`);
            }
            return body;
          }
          return await client.doRequest(
            action,
            "HTTPS",
            "POST",
            "2016-01-20",
            "AK",
            { ...params },
            null as unknown as DoRequestArgs[6],
            new teaUtilModule.RuntimeOptions({}),
          );
        } catch (error) {
          const envelope = envelopeOf(error);
          // rpc-client keeps the status only in its message: "code: 404, …".
          const status = /code: (\d{3})/.exec(String((error as Error).message))?.[1];
          throw new WireError(
            Number(status),
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

/** The SDK's request model for `action` filled from wire params, or undefined if it lacks one. */
function typedRequest(action: string, params: Readonly<Record<string, string>>): unknown {
  const Model = (kmsModule as unknown as Record<string, RequestModel | undefined>)[
    `${action}Request`
  ];
  if (typeof Model?.names !== "function") return undefined;
  const wireToField = new Map(Object.entries(Model.names()).map(([field, wire]) => [wire, field]));
  const fields: Record<string, unknown> = {};
  for (const [wire, value] of Object.entries(params)) {
    const field = wireToField.get(wire);
    if (field === undefined) return undefined;
    fields[field] = value;
  }
  return new Model(fields);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
