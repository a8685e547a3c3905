/**
 * The value of a database secret. `AccountName` and `AccountPassword` stay at
 * the top level because Alibaba's own clients (the JDBC secrets client, RDS
 * secrets) read exactly these two keys; the connection and the rotation's
 * settings sit beside them.
 *
 * @example
 * {
 *   "AccountName": "app", "AccountPassword": "…",
 *   "engine": "mysql", "host": "10.0.0.5", "port": 3306, "database": "shop",
 *   "tls": { "ca": "-----BEGIN CERTIFICATE-----…" },
 *   "masterSecret": "shop-db-admin"
 * }
 */
import { z } from "zod";
import { jsonSecretValue } from "../../contract/rotator-contract.ts";

export const DATABASE_ENGINES = ["mysql", "postgres"] as const;
export type DatabaseEngineName = (typeof DATABASE_ENGINES)[number];

/** The alternate account's default suffix, as in Alibaba's rotation tutorial. */
export const DEFAULT_ALTERNATE_SUFFIX = "_rt";

/** Control characters and NUL have no place in an account name: refused, never sent. */
const accountName = z
  .string()
  .min(1)
  .refine((name) => ![...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
    message: "must not contain control characters",
  });

export const tlsSettings = z.strictObject({
  /** PEM certificate(s) of the authority that signed the server's certificate; default: Node's bundled roots. */
  ca: z.string().min(1).optional(),
  /** Check the server's certificate and name. Turn off only for a server you reach over a private link. */
  verify: z.boolean().default(true),
  /** The name to check the certificate against, when it differs from host. */
  serverName: z.string().min(1).optional(),
});

export const databaseSecretValueSchema = z.object({
  AccountName: accountName,
  AccountPassword: z.string().min(1),
  engine: z.enum(DATABASE_ENGINES),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** Database to connect to (PostgreSQL default `postgres`; MySQL: none). */
  database: z.string().min(1).optional(),
  /**
   * TLS for every connection of the rotation. Absent: plain TCP. Present:
   * TLS is required and the server verified by default; never a plaintext
   * fallback.
   */
  tls: tlsSettings.optional(),
  /**
   * Name of the KMS secret holding an administrator's login and the server
   * it belongs to (database-master-secret.ts); the secret's engine, host
   * and port must be that server's.
   */
  masterSecret: z.string().min(1).optional(),
  /** `dual` (the default with a master secret): two accounts used in turn. `single`: the account changes its own password. */
  mode: z.enum(["dual", "single"]).optional(),
  /** Dual mode: the alternate account is the name plus this suffix (default `_rt`). */
  alternateSuffix: z.string().min(1).optional(),
  /** Dual mode: two pre-created accounts to use in turn instead of a suffix. */
  accounts: z.tuple([accountName, accountName]).optional(),
  /**
   * PostgreSQL dual mode: a NOLOGIN role both accounts are members of and
   * whose identity their sessions take, so it owns what either creates
   * (postgres-owner-role.ts). Created when missing.
   */
  ownerRole: accountName
    .refine((name) => !/^pg_/i.test(name) && !["none", "public"].includes(name.toLowerCase()), {
      message: "must not be none, public or start with pg_ (PostgreSQL keeps those)",
    })
    .optional(),
  /**
   * An ApsaraDB RDS instance (e.g. `rm-uf6wjk5xxxxxxx`): accounts are then
   * managed through the RDS OpenAPI instead of SQL, and dual mode needs no
   * master secret (see managed-account-manager.ts).
   */
  DBInstanceId: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "must be an RDS instance id")
    .optional(),
  /**
   * A PolarDB cluster (e.g. `pc-bp1xxxxxxxxxxxxx`): accounts are then
   * managed through the PolarDB OpenAPI instead of SQL, as for RDS.
   */
  DBClusterId: z
    .string()
    .regex(
      /^pc-[a-z0-9]{1,61}$/,
      "must be a PolarDB cluster id (pc- and lower-case letters and digits)",
    )
    .optional(),
  /** The RDS instance's or PolarDB cluster's region; default the function's region. */
  RegionId: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, "must be a region id")
    .optional(),
});

export type DatabaseSecretValue = z.infer<typeof databaseSecretValueSchema>;

export const DATABASE_SECRET_SHAPE =
  '{"AccountName":"…","AccountPassword":"…","engine":"mysql"|"postgres","host":"…","port":3306,' +
  '"database"?:"…","tls"?:{"ca"?:"PEM","verify"?:true,"serverName"?:"…"},"masterSecret"?:"…",' +
  '"mode"?:"dual"|"single","alternateSuffix"?:"_rt","accounts"?:["…","…"],"ownerRole"?:"…",' +
  '"DBInstanceId"?:"rm-…","DBClusterId"?:"pc-…","RegionId"?:"…"}';

/** Reads and writes database secret values; only AccountPassword is sensitive. */
export const databaseSecretValue = jsonSecretValue(
  databaseSecretValueSchema.superRefine((value, ctx) => {
    if (value.DBInstanceId && value.DBClusterId) {
      ctx.addIssue({
        code: "custom",
        path: ["DBClusterId"],
        message:
          "names a PolarDB cluster, but DBInstanceId names an RDS instance: give one of them",
      });
    }
    const managed = value.DBInstanceId ?? value.DBClusterId;
    if (value.mode === "dual" && !value.masterSecret && !managed) {
      ctx.addIssue({
        code: "custom",
        path: ["masterSecret"],
        message:
          'is required in mode "dual" (the secret naming an administrator account), unless DBInstanceId names an RDS instance or DBClusterId a PolarDB cluster',
      });
    }
    if (
      value.DBClusterId &&
      value.engine === "postgres" &&
      rotationMode(value) === "dual" &&
      !value.accounts
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["accounts"],
        message:
          "is required for dual-account rotation on a PolarDB for PostgreSQL cluster: PolarDB's API gives a new account no privileges, so the alternate cannot be created as a twin; name two pre-created accounts",
      });
    }
    if (value.ownerRole !== undefined) {
      const problem =
        value.engine !== "postgres"
          ? "applies to PostgreSQL only"
          : rotationMode(value) !== "dual"
            ? "needs dual-account mode (two accounts acting as one owner role)"
            : value.DBInstanceId || value.DBClusterId
              ? "is not available on RDS or PolarDB, whose APIs cannot make an account a member of a role or say which role its sessions act as; set the role up in SQL and name two pre-created accounts instead"
              : undefined;
      if (problem) ctx.addIssue({ code: "custom", path: ["ownerRole"], message: problem });
    }
    if (value.accounts) {
      const [first, second] = value.accounts;
      if (first === second) {
        ctx.addIssue({
          code: "custom",
          path: ["accounts"],
          message: "must name two different accounts",
        });
      } else if (!value.accounts.includes(value.AccountName)) {
        ctx.addIssue({ code: "custom", path: ["accounts"], message: "must include AccountName" });
      }
    }
  }),
  DATABASE_SECRET_SHAPE,
  ["AccountPassword"],
);

/** Which way the secret rotates: dual-account when a master secret is given, unless told otherwise. */
export function rotationMode(value: DatabaseSecretValue): "dual" | "single" {
  return value.mode ?? (value.masterSecret ? "dual" : "single");
}
