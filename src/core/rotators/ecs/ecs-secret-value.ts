/**
 * The values of ECS login secrets. `UserName` / `Password` and `UserName` /
 * `PublicKey` / `PrivateKey` stay at the top level because those are the
 * formats of KMS-managed ECS secrets; how to reach the server sits beside
 * them: a host over SSH, or an instance through Cloud Assistant (servers
 * without inbound SSH). A value naming both is refused rather than guessed
 * at.
 *
 * @example
 * { "UserName": "app", "Password": "…",
 *   "host": "10.0.0.7", "port": 22,
 *   "hostKeyFingerprint": "SHA256:…", "privilegedSecret": "web-1-root" }
 * { "UserName": "app", "Password": "…", "InstanceId": "i-bp1…", "RegionId": "cn-hangzhou" }
 */
import { ValidationError } from "@rotor/cloud-api";
import { z } from "zod";
import { jsonSecretValue, type SecretValueCodec } from "../../contract/rotator-contract.ts";
import { KEY_ALGORITHMS } from "./ecs-key-pair.ts";

const userName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, {
  message:
    'must be a Linux user name: 1 to 32 letters, digits, "_", "." or "-", not starting with a digit, "." or "-"',
});

/** One chpasswd input line: no line breaks, no NUL. */
const password = z
  .string()
  .min(1)
  .max(512)
  .refine((p) => !/[\r\n\0]/.test(p), {
    message: "must not contain line breaks or NUL characters",
  });

const privateKey = z
  .string()
  .includes("PRIVATE KEY-----", { message: "must be an SSH private key (OpenSSH or PEM text)" });

/** How to reach the server over SSH, shared by both kinds. */
const sshTarget = {
  host: z.string().min(1),
  /** Default 22. */
  port: z.number().int().min(1).max(65535).optional(),
  /** The server's host key as `ssh-keygen -l -E sha256` prints it: the only key a rotation trusts. */
  hostKeyFingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, {
    message:
      'must be "SHA256:" and 43 base64 characters, as ssh-keygen -l -E sha256 -f <host key>.pub prints it',
  }),
  /** Name of a KMS secret holding a root login and this server (PRIVILEGED_LOGIN_SHAPE). */
  privilegedSecret: z.string().min(1).optional(),
};

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
 * Through Cloud Assistant the password travels as a file (UTF-8 text, one
 * chpasswd line): a lone surrogate half would not survive the encoding and
 * set another password.
 */
const fileSafePassword = password.refine((p) => !/\p{Cs}/u.test(p), {
  message: "must be well-formed Unicode text",
});

const publicKey = z.string().min(1);
/** Type of the keys new rotations generate (default ed25519). */
const keyAlgorithm = z.enum(KEY_ALGORITHMS).optional();

export const ecsPasswordValueSchema = z.object({
  UserName: userName,
  Password: password,
  ...sshTarget,
});
export type EcsPasswordOverSshValue = z.infer<typeof ecsPasswordValueSchema>;
export const ECS_PASSWORD_SHAPE =
  '{"UserName":"…","Password":"…","host":"…","port"?:22,"hostKeyFingerprint":"SHA256:…","privilegedSecret"?:"…"}';

export const ecsCloudAssistantPasswordSchema = z.object({
  UserName: userName,
  Password: fileSafePassword,
  ...instanceTarget,
});
export type EcsPasswordOnInstanceValue = z.infer<typeof ecsCloudAssistantPasswordSchema>;
export const ECS_CLOUD_ASSISTANT_PASSWORD_SHAPE =
  '{"UserName":"…","Password":"…","InstanceId":"i-…","RegionId":"cn-hangzhou"}';

export const ecsSshKeyValueSchema = z.object({
  UserName: userName,
  PublicKey: publicKey,
  PrivateKey: privateKey,
  ...sshTarget,
  keyAlgorithm,
});
export type EcsSshKeyOverSshValue = z.infer<typeof ecsSshKeyValueSchema>;
export const ECS_SSH_KEY_SHAPE =
  '{"UserName":"…","PublicKey":"ssh-ed25519 …","PrivateKey":"-----BEGIN OPENSSH PRIVATE KEY-----…","host":"…","port"?:22,"hostKeyFingerprint":"SHA256:…","privilegedSecret"?:"…","keyAlgorithm"?:"ed25519"|"rsa-3072"|"rsa-4096"}';

export const ecsCloudAssistantSshKeySchema = z.object({
  UserName: userName,
  PublicKey: publicKey,
  PrivateKey: privateKey,
  ...instanceTarget,
  keyAlgorithm,
});
export type EcsSshKeyOnInstanceValue = z.infer<typeof ecsCloudAssistantSshKeySchema>;
export const ECS_CLOUD_ASSISTANT_SSH_KEY_SHAPE =
  '{"UserName":"…","PublicKey":"ssh-ed25519 …","PrivateKey":"-----BEGIN OPENSSH PRIVATE KEY-----…","InstanceId":"i-…","RegionId":"cn-hangzhou","keyAlgorithm"?:"ed25519"|"rsa-3072"|"rsa-4096"}';

/** An `ecs-password` secret's value: over SSH or on an instance. */
export type EcsPasswordValue = EcsPasswordOverSshValue | EcsPasswordOnInstanceValue;
/** An `ecs-ssh-key` secret's value: over SSH or on an instance. */
export type EcsSshKeyValue = EcsSshKeyOverSshValue | EcsSshKeyOnInstanceValue;

/** What every ECS value says about its server, over SSH. */
export interface SshTargetFields {
  UserName: string;
  host: string;
  port?: number | undefined;
  hostKeyFingerprint: string;
  privilegedSecret?: string | undefined;
}

/** What every ECS value says about its instance, through Cloud Assistant. */
export interface InstanceTargetFields {
  UserName: string;
  InstanceId: string;
  RegionId: string;
}

/** The fields naming the server, by the way it is reached; a rotation never changes them. */
export const SSH_TARGET_FIELDS = [
  "UserName",
  "host",
  "port",
  "hostKeyFingerprint",
  "privilegedSecret",
] as const;
export const INSTANCE_TARGET_FIELDS = ["UserName", "InstanceId", "RegionId"] as const;

const SSH_ONLY_FIELDS = ["host", "port", "hostKeyFingerprint", "privilegedSecret"] as const;
const INSTANCE_ONLY_FIELDS = ["InstanceId", "RegionId"] as const;

/** A validated value names an instance (Cloud Assistant) rather than a host (SSH). */
export function namesInstance(
  value: SshTargetFields | InstanceTargetFields,
): value is InstanceTargetFields {
  return Object.hasOwn(value, "InstanceId");
}

/**
 * Whether the raw value names an instance, before validation picks the
 * schema; a value naming both a host and an instance is refused.
 */
function dataNamesInstance(data: string, secretName: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return false; // the SSH codec then says "not JSON" with the expected shape
  }
  if (typeof json !== "object" || json === null) return false;
  const has = (field: string) => Object.hasOwn(json, field);
  const instance = INSTANCE_ONLY_FIELDS.some(has);
  if (instance && SSH_ONLY_FIELDS.some(has)) {
    throw new ValidationError(
      `The value of secret ${secretName} names both an SSH server (${SSH_ONLY_FIELDS.filter(has).join(", ")}) and a Cloud Assistant instance (${INSTANCE_ONLY_FIELDS.filter(has).join(", ")}): give one of them`,
    );
  }
  return instance;
}

/** One codec over both ways to reach the server: the fields the value holds choose the schema. */
function eitherTarget<OverSsh, OnInstance>(
  overSsh: SecretValueCodec<OverSsh>,
  onInstance: SecretValueCodec<OnInstance>,
): SecretValueCodec<OverSsh | OnInstance> {
  return {
    parse: (data, secretName) =>
      dataNamesInstance(data, secretName)
        ? onInstance.parse(data, secretName)
        : overSsh.parse(data, secretName),
    // Both are JSON with the same credential fields: one format, one list of sensitive fields.
    format: (value) => JSON.stringify(value),
    sensitive: (value) => overSsh.sensitive(value as OverSsh),
  };
}

export const ecsPasswordValue: SecretValueCodec<EcsPasswordValue> = eitherTarget(
  jsonSecretValue(ecsPasswordValueSchema, ECS_PASSWORD_SHAPE, ["Password"]),
  jsonSecretValue(ecsCloudAssistantPasswordSchema, ECS_CLOUD_ASSISTANT_PASSWORD_SHAPE, [
    "Password",
  ]),
);

export const ecsSshKeyValue: SecretValueCodec<EcsSshKeyValue> = eitherTarget(
  jsonSecretValue(ecsSshKeyValueSchema, ECS_SSH_KEY_SHAPE, ["PrivateKey"]),
  jsonSecretValue(ecsCloudAssistantSshKeySchema, ECS_CLOUD_ASSISTANT_SSH_KEY_SHAPE, ["PrivateKey"]),
);

/**
 * The value of a privileged login secret: a root login (password or key)
 * and the server it belongs to, which the rotated secret's host, port and
 * fingerprint must be (an ECS secret of either kind works). The login is
 * sent only there.
 */
export const privilegedLoginSchema = z
  .object({
    UserName: userName,
    Password: password.optional(),
    PrivateKey: privateKey.optional(),
    host: sshTarget.host,
    port: sshTarget.port,
    hostKeyFingerprint: sshTarget.hostKeyFingerprint,
  })
  .superRefine((value, ctx) => {
    if ((value.Password === undefined) === (value.PrivateKey === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["Password"],
        message: "give exactly one of Password and PrivateKey",
      });
    }
  });
export type PrivilegedLoginValue = z.infer<typeof privilegedLoginSchema>;
export const PRIVILEGED_LOGIN_SHAPE =
  '{"UserName":"root","Password":"…" or "PrivateKey":"…","host":"…","port"?:22,"hostKeyFingerprint":"SHA256:…"}';
export const privilegedLoginValue = jsonSecretValue(privilegedLoginSchema, PRIVILEGED_LOGIN_SHAPE, [
  "Password",
  "PrivateKey",
]);
