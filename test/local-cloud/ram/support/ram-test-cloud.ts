/**
 * A local cloud for the RAM/STS suites, with the official RAM and STS SDK
 * clients (and ours) ready to point at it as any identity.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as openapiModule from "@alicloud/openapi-client";
import * as ramModule from "@alicloud/ram20150501";
import * as stsModule from "@alicloud/sts20150401";
import { commonJsDefault } from "../../../../src/cloud-api/commonjs-default.ts";
import type { AccessKeyCredentials } from "../../../../src/cloud-api/credentials.ts";
import { KmsClient } from "../../../../src/cloud-api/kms-client.ts";
import { RamClient } from "../../../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../../../src/cloud-api/sts-client.ts";
import {
  type LocalCloudOptions,
  type RunningLocalCloud,
  startLocalCloud,
} from "../../../../src/local-cloud/embedded.ts";

export const RamSdk = commonJsDefault(ramModule);
export const StsSdk = commonJsDefault(stsModule);
export { ramModule, stsModule };

export type Signature = "v3" | "v1";

export interface RamTestCloud {
  cloud: RunningLocalCloud;
  /** The official RAM client; root credentials unless others are given. */
  ramSdk(credentials?: AccessKeyCredentials, signature?: Signature): InstanceType<typeof RamSdk>;
  stsSdk(credentials?: AccessKeyCredentials, signature?: Signature): InstanceType<typeof StsSdk>;
  ram(credentials?: AccessKeyCredentials): RamClient;
  sts(credentials?: AccessKeyCredentials): StsClient;
  kms(credentials?: AccessKeyCredentials): KmsClient;
  close(): Promise<void>;
}

export async function startRamTestCloud(
  options: Omit<LocalCloudOptions, "stateDir"> = {},
): Promise<RamTestCloud> {
  const stateDir = await mkdtemp(join(tmpdir(), "rotor-ram-test-"));
  const cloud = await startLocalCloud({ port: 0, ...options, stateDir });
  const config = (credentials: AccessKeyCredentials | undefined, signature: Signature) =>
    new openapiModule.Config({
      ...(credentials ?? cloud.credentials),
      endpoint: `127.0.0.1:${cloud.port}`,
      protocol: "http",
      regionId: cloud.region,
      readTimeout: 30_000,
      // "v2" is the SDKs' name for signature V1 (HMAC-SHA1).
      signatureAlgorithm: signature === "v1" ? "v2" : undefined,
    });
  // Our clients fail fast in tests: no retries, so an expected error shows at once.
  const ours = { endpoint: cloud.endpoint, region: cloud.region, retry: { attempts: 1 } };
  return {
    cloud,
    ramSdk: (credentials, signature = "v3") => new RamSdk(config(credentials, signature)),
    stsSdk: (credentials, signature = "v3") => new StsSdk(config(credentials, signature)),
    ram: (credentials = cloud.credentials) => new RamClient({ ...ours, credentials }),
    sts: (credentials = cloud.credentials) => new StsClient({ ...ours, credentials }),
    kms: (credentials = cloud.credentials) => new KmsClient({ ...ours, credentials }),
    async close() {
      await cloud.close();
      await rm(stateDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** A name no other test (or anyone running tests at the same time) will pick. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The error an SDK or our client threw, reduced to what tests compare. */
export async function failureOf(
  promise: Promise<unknown>,
): Promise<{ code: string; statusCode: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const shape = error as {
      code?: unknown;
      statusCode?: unknown;
      message?: unknown;
      data?: { Code?: unknown; statusCode?: unknown; Message?: unknown };
    };
    return {
      code: String(shape.data?.Code ?? shape.code),
      statusCode: Number(shape.statusCode ?? shape.data?.statusCode),
      message: String(shape.data?.Message ?? shape.message),
    };
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** A trust policy that lets every identity of the account (with sts:AssumeRole) assume the role. */
export function accountTrust(accountId: string): string {
  return JSON.stringify({
    Version: "1",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { RAM: [`acs:ram::${accountId}:root`] },
      },
    ],
  });
}

/** A trust policy for Function Compute. */
export const FC_TRUST = JSON.stringify({
  Version: "1",
  Statement: [
    { Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: ["fc.aliyuncs.com"] } },
  ],
});

export function allowPolicy(actions: string[], resources: string[] | string = "*"): string {
  return JSON.stringify({
    Version: "1",
    Statement: [{ Effect: "Allow", Action: actions, Resource: resources }],
  });
}
