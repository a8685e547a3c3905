/**
 * A RAM user allowed exactly one statement, and an AccessKey of it: how a
 * test proves that a local cloud product asks RAM (what the statement allows
 * works, anything else is refused).
 */
import { randomUUID } from "node:crypto";
import { RamClient } from "../../src/cloud-api/ram-client.ts";
import type { RunningLocalCloud } from "../../src/local-cloud/server.ts";

export interface AllowStatement {
  Action: string | string[];
  Resource: string | string[];
}

/** Creates `<prefix>-<random>` with a policy allowing only `allow`; returns its new AccessKey. */
export async function accessKeyAllowedOnly(
  cloud: Pick<RunningLocalCloud, "endpoint" | "credentials">,
  prefix: string,
  allow: AllowStatement,
): Promise<{ accessKeyId: string; accessKeySecret: string }> {
  const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
  const userName = `${prefix}-${randomUUID().slice(0, 8)}`;
  const policyName = `${userName}-policy`;
  await ram.createUser({ userName });
  await ram.createPolicy({
    policyName,
    policyDocument: JSON.stringify({
      Version: "1",
      Statement: [{ Effect: "Allow", ...allow }],
    }),
  });
  await ram.attachPolicyToUser({ policyName, userName });
  const key = await ram.createAccessKey({ userName });
  return { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret };
}
