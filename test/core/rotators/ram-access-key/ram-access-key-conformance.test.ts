/**
 * The RAM AccessKey rotator passes the conformance suite every rotator must
 * pass (full rotation, steps run twice, a crash before every external call
 * then resume, concurrent invocations, the lease, bad values, no secret in
 * any log line), against RAM and STS of the local cloud: the built-in
 * rotator as deployed, reaching the cloud through its context, which the
 * harness points at the local cloud.
 */
import { randomUUID } from "node:crypto";
import { RamClient } from "../../../../src/cloud-api/ram-client.ts";
import { StsClient } from "../../../../src/cloud-api/sts-client.ts";
import { ramAccessKeyRotator } from "../../../../src/core/rotators/ram-access-key/ram-access-key-rotator.ts";
import { testRotator } from "../../../../src/testing/test-rotator.ts";

testRotator({
  rotator: ramAccessKeyRotator,
  async prepare(harness) {
    const cloud = harness.cloud;
    const ram = new RamClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    const userName = `rotated-${randomUUID().slice(0, 8)}`;
    await ram.createUser({ userName });
    const key = await ram.createAccessKey({ userName });
    const endpoint = cloud.endpoint;
    return {
      data: JSON.stringify({
        AccessKeyId: key.accessKeyId,
        AccessKeySecret: key.accessKeySecret,
        UserName: userName,
        GenerateTimestamp: new Date().toISOString(),
      }),
      tags: { "rotor:rotator": "ram-access-key" },
      async verify(data) {
        const value = JSON.parse(data) as { AccessKeyId: string; AccessKeySecret: string };
        const identity = await new StsClient({
          endpoint,
          credentials: { accessKeyId: value.AccessKeyId, accessKeySecret: value.AccessKeySecret },
          retry: { attempts: 1 },
        }).getCallerIdentity();
        if (!identity.arn.endsWith(`:user/${userName}`)) {
          throw new Error(`the key belongs to ${identity.arn}, not to ${userName}`);
        }
      },
    };
  },
  badValues: [
    { data: "{}", error: /AccessKeyId/ },
    {
      data: JSON.stringify({
        AccessKeyId: "LTAIabc",
        AccessKeySecret: "s3cr3t-value-here",
        GenerateTimestamp: "2024-01-01T00:00:00Z",
      }),
      error: /UserName/,
    },
    { data: "not json at all", error: /not JSON/ },
  ],
});
