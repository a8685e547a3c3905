/**
 * The values of ECS login secrets reached through Cloud Assistant: the same
 * credential fields as over SSH, beside the instance instead of a host.
 *
 * @example
 * { "UserName": "app", "Password": "…", "InstanceId": "i-bp1…", "RegionId": "cn-hangzhou" }
 */
import { z } from "zod";
import { jsonSecretValue } from "../../../contract/rotator-contract.ts";
import { KEY_ALGORITHMS } from "../ecs-key-pair.ts";
import { ecsCredentialSchemas } from "../ecs-secret-value.ts";

/** Which instance, in which region; Cloud Assistant runs the commands there as root. */
const instanceTarget = {
  InstanceId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, {
    message: 'must be an ECS instance id such as "i-bp1abc…"',
  }),
  RegionId: z.string().regex(/^[a-z0-9-]{1,64}$/, {
    message: 'must be a region id such as "cn-hangzhou"',
  }),
};

/**
 * The password travels as a file (UTF-8 text, one chpasswd line): a lone
 * surrogate half would not survive the encoding and set another password.
 */
const password = ecsCredentialSchemas.password.refine((p) => !/\p{Cs}/u.test(p), {
  message: "must be well-formed Unicode text",
});

export const ecsCloudAssistantPasswordSchema = z.object({
  UserName: ecsCredentialSchemas.userName,
  Password: password,
  ...instanceTarget,
});
export type EcsCloudAssistantPasswordValue = z.infer<typeof ecsCloudAssistantPasswordSchema>;
export const ECS_CLOUD_ASSISTANT_PASSWORD_SHAPE =
  '{"UserName":"…","Password":"…","InstanceId":"i-…","RegionId":"cn-hangzhou"}';
export const ecsCloudAssistantPasswordValue = jsonSecretValue(
  ecsCloudAssistantPasswordSchema,
  ECS_CLOUD_ASSISTANT_PASSWORD_SHAPE,
  ["Password"],
);

export const ecsCloudAssistantSshKeySchema = z.object({
  UserName: ecsCredentialSchemas.userName,
  PublicKey: z.string().min(1),
  PrivateKey: ecsCredentialSchemas.privateKey,
  ...instanceTarget,
  /** Type of the keys new rotations generate (default ed25519). */
  keyAlgorithm: z.enum(KEY_ALGORITHMS).optional(),
});
export type EcsCloudAssistantSshKeyValue = z.infer<typeof ecsCloudAssistantSshKeySchema>;
export const ECS_CLOUD_ASSISTANT_SSH_KEY_SHAPE =
  '{"UserName":"…","PublicKey":"ssh-ed25519 …","PrivateKey":"-----BEGIN OPENSSH PRIVATE KEY-----…","InstanceId":"i-…","RegionId":"cn-hangzhou","keyAlgorithm"?:"ed25519"|"rsa-3072"|"rsa-4096"}';
export const ecsCloudAssistantSshKeyValue = jsonSecretValue(
  ecsCloudAssistantSshKeySchema,
  ECS_CLOUD_ASSISTANT_SSH_KEY_SHAPE,
  ["PrivateKey"],
);

/** What both values say about where they apply. */
export interface InstanceTargetFields {
  UserName: string;
  InstanceId: string;
  RegionId: string;
}

/** A rotation only changes the credential: the pending value must name the same account and instance. */
export function differingTargetFields(
  current: InstanceTargetFields,
  pending: InstanceTargetFields,
): string[] {
  const fields = ["UserName", "InstanceId", "RegionId"] as const;
  return fields.filter((field) => current[field] !== pending[field]);
}
