/**
 * The value of a Redis secret. `AccountName` and `AccountPassword` stay at
 * the top level, as in every database secret Alibaba's clients read; the
 * server and the rotation's settings sit beside them.
 *
 * @example self-managed Redis 6+, two ACL users in turn through a master login
 * {
 *   "AccountName": "app", "AccountPassword": "…",
 *   "engine": "redis", "host": "10.0.0.7", "port": 6379,
 *   "tls": { "ca": "-----BEGIN CERTIFICATE-----…" },
 *   "masterSecret": "rotor-master/redis/cache"
 * }
 *
 * @example ApsaraDB for Redis/Tair, two accounts in turn through the R-kvstore API
 * {
 *   "AccountName": "app", "AccountPassword": "…",
 *   "engine": "redis", "host": "r-bp1xxxxxxxxxxxxx.redis.rds.aliyuncs.com", "port": 6379,
 *   "InstanceId": "r-bp1xxxxxxxxxxxxx"
 * }
 */
import { z } from "zod";
import { jsonSecretValue } from "../../contract/rotator-contract.ts";

/** The alternate account's default suffix, as for the database rotators. */
export const DEFAULT_ALTERNATE_SUFFIX = "_rt";

/**
 * ACL user names: Redis refuses spaces and NUL in them; control characters
 * and other white space have no place there either. Refused, never sent.
 */
const userName = z
  .string()
  .min(1)
  .max(128)
  .refine((name) => !/[\s\p{Cc}]/u.test(name), {
    message: "must not contain white space or control characters",
  });

/**
 * ApsaraDB for Redis/Tair account names: a lower-case letter first, then
 * lower-case letters, digits and `_`, 1 to 16 characters in all (the limit
 * older instances keep; a name that fits it fits every instance).
 */
export const KVSTORE_ACCOUNT_NAME = /^[a-z][a-z0-9_]{0,15}$/;
export const KVSTORE_ACCOUNT_NAME_RULE =
  "1 to 16 lower-case letters, digits and underscores, starting with a letter";

export const redisTlsSettings = z.strictObject({
  /** PEM certificate(s) of the authority that signed the server's certificate; default: Node's bundled roots. */
  ca: z.string().min(1).optional(),
  /** Check the server's certificate and name. Turn off only for a server you reach over a private link. */
  verify: z.boolean().default(true),
  /** The name to check the certificate against, when it differs from host. */
  serverName: z.string().min(1).optional(),
});

export type RedisTls = z.infer<typeof redisTlsSettings>;

export const redisSecretValueSchema = z.object({
  AccountName: userName,
  AccountPassword: z.string().min(1),
  engine: z.literal("redis"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /**
   * TLS for every connection of the rotation. Absent: plain TCP. Present:
   * TLS is required and the server verified by default; never a plaintext
   * fallback.
   */
  tls: redisTlsSettings.optional(),
  /**
   * Name of the KMS secret holding a Redis administrator's login and the
   * server it belongs to (redis-master-secret.ts); the secret's host and
   * port must be that server's. Self-managed servers, dual mode.
   */
  masterSecret: z.string().min(1).optional(),
  /** `dual` (the default with a master secret or an InstanceId): two users in turn. `single`: the user changes its own password. */
  mode: z.enum(["dual", "single"]).optional(),
  /** Dual mode: the alternate user is the name plus this suffix (default `_rt`). */
  alternateSuffix: z.string().min(1).optional(),
  /** Dual mode: two pre-created users to use in turn instead of a suffix. */
  accounts: z.tuple([userName, userName]).optional(),
  /**
   * An ApsaraDB for Redis/Tair instance (e.g. `r-bp1xxxxxxxxxxxxx`): accounts
   * are then managed through the R-kvstore OpenAPI as the function's RAM
   * identity, and no master secret is needed (kvstore-account-admin.ts).
   */
  InstanceId: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "must be an ApsaraDB for Redis/Tair instance id")
    .optional(),
  /** The instance's region; default the function's region. */
  RegionId: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, "must be a region id")
    .optional(),
});

export type RedisSecretValue = z.infer<typeof redisSecretValueSchema>;

export const REDIS_SECRET_SHAPE =
  '{"AccountName":"…","AccountPassword":"…","engine":"redis","host":"…","port":6379,' +
  '"tls"?:{"ca"?:"PEM","verify"?:true,"serverName"?:"…"},"masterSecret"?:"…",' +
  '"mode"?:"dual"|"single","alternateSuffix"?:"_rt","accounts"?:["…","…"],' +
  '"InstanceId"?:"r-…","RegionId"?:"…"}';

/** Reads and writes Redis secret values; only AccountPassword is sensitive. */
export const redisSecretValue = jsonSecretValue(
  redisSecretValueSchema.superRefine((value, ctx) => {
    if (value.masterSecret && value.InstanceId) {
      ctx.addIssue({
        code: "custom",
        path: ["masterSecret"],
        message:
          "must not be given with InstanceId (an ApsaraDB instance's accounts change through its API, not a master login)",
      });
    }
    if (value.mode === "dual" && !value.masterSecret && !value.InstanceId) {
      ctx.addIssue({
        code: "custom",
        path: ["masterSecret"],
        message:
          'is required in mode "dual" (the secret naming a Redis administrator), unless InstanceId names an ApsaraDB for Redis/Tair instance',
      });
    }
    if (value.accounts) {
      const [first, second] = value.accounts;
      if (first === second) {
        ctx.addIssue({
          code: "custom",
          path: ["accounts"],
          message: "must name two different users",
        });
      } else if (!value.accounts.includes(value.AccountName)) {
        ctx.addIssue({ code: "custom", path: ["accounts"], message: "must include AccountName" });
      }
    }
    if (value.InstanceId) {
      const names: [string, string][] = [
        ["AccountName", value.AccountName],
        ...(value.accounts ?? []).map((name, index): [string, string] => [
          `accounts.${index}`,
          name,
        ]),
      ];
      for (const [field, name] of names) {
        if (!KVSTORE_ACCOUNT_NAME.test(name)) {
          ctx.addIssue({
            code: "custom",
            path: field.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
            message: `must be an ApsaraDB for Redis/Tair account name (${KVSTORE_ACCOUNT_NAME_RULE})`,
          });
        }
      }
    }
  }),
  REDIS_SECRET_SHAPE,
  ["AccountPassword"],
);

/**
 * Which way the secret rotates: dual-account when a master secret or an
 * ApsaraDB instance is given (someone other than the user can change its
 * twin), unless told otherwise.
 */
export function rotationMode(value: RedisSecretValue): "dual" | "single" {
  return value.mode ?? (value.masterSecret || value.InstanceId ? "dual" : "single");
}
