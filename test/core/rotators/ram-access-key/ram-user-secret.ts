/**
 * What a RAM AccessKey rotation starts from: a RAM user with one AccessKey,
 * and a KMS secret holding that key, tagged for the ram-access-key rotator.
 */
import { randomUUID } from "node:crypto";
import type { KmsClient } from "../../../../src/cloud-api/kms-client.ts";
import type { RamClient } from "../../../../src/cloud-api/ram-client.ts";
import type { RamAccessKeyValue } from "../../../../src/core/rotators/ram-access-key/ram-access-key-value.ts";

export interface RamUserSecretOptions {
  /** The user is `<userPrefix><random>`. */
  userPrefix: string;
  /** The secret is `<secretPrefix><user name>`. */
  secretPrefix: string;
  /** Tags besides `rotor:rotator`. */
  tags?: Record<string, string>;
}

/** Creates the user, its AccessKey and the secret; returns the names and the stored value. */
export async function createRamUserSecret(
  clients: { ram: RamClient; kms: KmsClient },
  options: RamUserSecretOptions,
): Promise<{ userName: string; secretName: string; value: RamAccessKeyValue }> {
  const userName = `${options.userPrefix}${randomUUID().slice(0, 8)}`;
  const secretName = `${options.secretPrefix}${userName}`;
  await clients.ram.createUser({ userName });
  const key = await clients.ram.createAccessKey({ userName });
  const value: RamAccessKeyValue = {
    AccessKeyId: key.accessKeyId,
    AccessKeySecret: key.accessKeySecret,
    UserName: userName,
    GenerateTimestamp: new Date().toISOString(),
  };
  const tags = { "rotor:rotator": "ram-access-key", ...options.tags };
  await clients.kms.createSecret({
    secretName,
    versionId: "v1",
    secretData: JSON.stringify(value),
    tags: Object.entries(tags).map(([key, tagValue]) => ({ key, value: tagValue })),
  });
  return { userName, secretName, value };
}
