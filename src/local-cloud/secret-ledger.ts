/**
 * The secret ledger: an opt-in list of every secret value the local cloud
 * stores or hands out, so a test run can prove that none of them ever
 * reached a log line, an error message or command output (see
 * docs/reliability.md, "Leak scan").
 *
 * Off by default. It is on when the option `secretLedgerFile` is given or the
 * environment variable ROTOR_SECRET_LEDGER names a file; each value is then
 * appended to that file as one JSON string per line. The file holds secrets
 * in the clear: it is meant for throw-away test values only.
 *
 * What counts as a secret value: SecretData of CreateSecret and
 * PutSecretValue (the whole text, or for a JSON object each string field
 * whose name says password, secret, token, key material or credential,
 * except fields such as `masterSecret` and `privilegedSecret` that name
 * another secret), GetRandomPassword results, every AccessKeySecret and
 * SecurityToken RAM or STS issues, and every database account password an
 * account action (RDS, PolarDB, Redis/Tair) set.
 */
import { appendFileSync } from "node:fs";

export const SECRET_LEDGER_ENV = "ROTOR_SECRET_LEDGER";

/** The parameters through which account actions set a database account's password. */
const ACCOUNT_PASSWORD_PARAMETERS = ["AccountPassword", "NewAccountPassword"] as const;

/** Field names whose string values are secret; names, ids, hosts and ports are not. */
const SECRET_FIELD = /(password|secret|token|private|passphrase|credential)/i;
/**
 * Fields that name another secret (a database value's `masterSecret`, an
 * ECS value's `privilegedSecret`): a name, not a value.
 */
const SECRET_REFERENCE = /^(master-?secret|privileged-?secret|.*secret-?name|.*-secret)$/i;

export interface SecretLedger {
  /** Records the secrets one successful API call stored or returned. */
  recordCall(action: string, params: Readonly<Record<string, string>>, result: unknown): void;
  /** Records one secret value. */
  record(value: string): void;
}

/** A ledger writing to `file`, or to ROTOR_SECRET_LEDGER's file, or nowhere. */
export function openSecretLedger(file: string | undefined): SecretLedger {
  const path = file ?? process.env[SECRET_LEDGER_ENV];
  if (!path) return { recordCall: () => {}, record: () => {} };
  const record = (value: string) => {
    if (value.length === 0) return;
    // Synchronous on purpose: a value must be on file before any client can see it.
    appendFileSync(path, `${JSON.stringify(value)}\n`);
  };
  return {
    record,
    recordCall(action, params, result) {
      if (action === "CreateSecret" || action === "PutSecretValue") {
        const data = params.SecretData;
        if (data !== undefined) for (const value of secretsInData(data)) record(value);
      }
      for (const parameter of ACCOUNT_PASSWORD_PARAMETERS) {
        const password = params[parameter];
        if (password !== undefined) record(password);
      }
      for (const value of secretsInResult(result)) record(value);
    },
  };
}

/** A JSON object's secret-named string fields (at any depth), or else the whole text. */
function secretsInData(data: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return [data];
  }
  if (typeof json !== "object" || json === null) return [data];
  const found = secretFields(json);
  return found.length > 0 ? found : [];
}

function secretFields(json: unknown): string[] {
  if (typeof json !== "object" || json === null) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (typeof value === "string" && SECRET_FIELD.test(key) && !SECRET_REFERENCE.test(key))
      found.push(value);
    else if (typeof value === "object") found.push(...secretFields(value));
  }
  return found;
}

/** Values an answer hands out: RandomPassword, AccessKeySecret, SecurityToken. */
function secretsInResult(result: unknown): string[] {
  if (typeof result !== "object" || result === null) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (
      typeof value === "string" &&
      (key === "RandomPassword" || key === "AccessKeySecret" || key === "SecurityToken")
    )
      found.push(value);
    else if (typeof value === "object") found.push(...secretsInResult(value));
  }
  return found;
}
