/**
 * The values of ECS login secrets. `UserName` / `Password` and `UserName` /
 * `PublicKey` / `PrivateKey` stay at the top level because those are the
 * formats of KMS-managed ECS secrets; how to reach the server sits beside
 * them.
 *
 * @example
 * { "UserName": "app", "Password": "…",
 *   "host": "10.0.0.7", "port": 22,
 *   "hostKeyFingerprint": "SHA256:…", "privilegedSecret": "web-1-root" }
 */
import { z } from "zod";
import { jsonSecretValue } from "../../contract/rotator-contract.ts";
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

export const ecsPasswordValueSchema = z.object({
  UserName: userName,
  Password: password,
  ...sshTarget,
});
export type EcsPasswordValue = z.infer<typeof ecsPasswordValueSchema>;
export const ECS_PASSWORD_SHAPE =
  '{"UserName":"…","Password":"…","host":"…","port"?:22,"hostKeyFingerprint":"SHA256:…","privilegedSecret"?:"…"}';
export const ecsPasswordValue = jsonSecretValue(ecsPasswordValueSchema, ECS_PASSWORD_SHAPE, [
  "Password",
]);

export const ecsSshKeyValueSchema = z.object({
  UserName: userName,
  PublicKey: z.string().min(1),
  PrivateKey: privateKey,
  ...sshTarget,
  /** Type of the keys new rotations generate (default ed25519). */
  keyAlgorithm: z.enum(KEY_ALGORITHMS).optional(),
});
export type EcsSshKeyValue = z.infer<typeof ecsSshKeyValueSchema>;
export const ECS_SSH_KEY_SHAPE =
  '{"UserName":"…","PublicKey":"ssh-ed25519 …","PrivateKey":"-----BEGIN OPENSSH PRIVATE KEY-----…","host":"…","port"?:22,"hostKeyFingerprint":"SHA256:…","privilegedSecret"?:"…","keyAlgorithm"?:"ed25519"|"rsa-3072"|"rsa-4096"}';
export const ecsSshKeyValue = jsonSecretValue(ecsSshKeyValueSchema, ECS_SSH_KEY_SHAPE, [
  "PrivateKey",
]);

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

/** The credential fields' schemas, shared with the Cloud Assistant values. */
export const ecsCredentialSchemas = { userName, password, privateKey };
