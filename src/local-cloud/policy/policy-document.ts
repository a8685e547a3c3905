/**
 * RAM policy documents: parsed once, when a policy is created or a session
 * policy is passed to AssumeRole, into plain statements the evaluator
 * reads. Anything the local cloud cannot evaluate faithfully (Condition,
 * NotAction, NotResource) is refused here with a message that names it,
 * rather than silently ignored, which would grant more than the real cloud.
 *
 * Shape (Version "1"):
 * `{"Version":"1","Statement":[{"Effect":"Allow","Action":["kms:GetSecretValue"],"Resource":["acs:kms:*:*:secret/app/*"]}]}`
 * Trust policies (a role's AssumeRolePolicyDocument) carry a Principal
 * instead of a Resource: `{"RAM":["acs:ram::123:root"]}` or `{"Service":["fc.aliyuncs.com"]}`.
 */

export type Effect = "Allow" | "Deny";

export interface PermissionStatement {
  effect: Effect;
  /** Patterns such as `kms:GetSecretValue` or `kms:*`, compared case-insensitively. */
  actions: string[];
  /** ARN patterns such as `acs:kms:*:*:secret/app/*`. */
  resources: string[];
}

export interface PermissionPolicy {
  statements: PermissionStatement[];
}

export interface TrustStatement {
  effect: Effect;
  actions: string[];
  /** ARNs of accounts (`acs:ram::123:root`), users or roles that may assume the role. */
  ramPrincipals: string[];
  /** Cloud services (e.g. `fc.aliyuncs.com`) that may assume the role. */
  servicePrincipals: string[];
}

export interface TrustPolicy {
  statements: TrustStatement[];
}

/** The document is not a policy the local cloud accepts; the message says why. */
export class InvalidPolicyError extends Error {
  override name = "InvalidPolicyError";
}

/** Alibaba's limit for a custom policy document (UNCONFIRMED: older docs say 2048). */
export const MAX_POLICY_DOCUMENT_BYTES = 6144;

export function parsePermissionPolicy(text: string): PermissionPolicy {
  const statements = parseStatements(text).map((raw, index): PermissionStatement => {
    const where = `Statement ${index + 1}`;
    rejectUnsupported(raw, where, ["Principal"]);
    return {
      effect: readEffect(raw, where),
      actions: readStringList(raw, "Action", where).map((action) => checkAction(action, where)),
      resources: readStringList(raw, "Resource", where),
    };
  });
  return { statements };
}

export function parseTrustPolicy(text: string): TrustPolicy {
  const statements = parseStatements(text).map((raw, index): TrustStatement => {
    const where = `Statement ${index + 1}`;
    rejectUnsupported(raw, where, ["Resource"]);
    const principal = raw.Principal;
    if (typeof principal !== "object" || principal === null || Array.isArray(principal)) {
      throw new InvalidPolicyError(
        `${where} needs a Principal such as {"RAM":["acs:ram::<account>:root"]} or {"Service":["fc.aliyuncs.com"]}`,
      );
    }
    const kinds = Object.keys(principal);
    const unknown = kinds.filter((kind) => kind !== "RAM" && kind !== "Service");
    if (unknown.length > 0 || kinds.length === 0) {
      throw new InvalidPolicyError(
        `${where}: Principal may hold RAM and Service entries only${unknown.length > 0 ? `, not ${unknown.join(", ")}` : ""}`,
      );
    }
    const principals = principal as Record<string, unknown>;
    return {
      effect: readEffect(raw, where),
      actions: readStringList(raw, "Action", where).map((action) => checkAction(action, where)),
      ramPrincipals:
        principals.RAM === undefined ? [] : readStringList(principals, "RAM", `${where} Principal`),
      servicePrincipals:
        principals.Service === undefined
          ? []
          : readStringList(principals, "Service", `${where} Principal`),
    };
  });
  return { statements };
}

function parseStatements(text: string): Record<string, unknown>[] {
  if (Buffer.byteLength(text) > MAX_POLICY_DOCUMENT_BYTES) {
    throw new InvalidPolicyError(`the document is longer than ${MAX_POLICY_DOCUMENT_BYTES} bytes`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new InvalidPolicyError("the document is not valid JSON");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new InvalidPolicyError(
      'the document must be a JSON object with "Version" and "Statement"',
    );
  }
  const { Version, Statement, ...rest } = document as Record<string, unknown>;
  if (Version !== "1") throw new InvalidPolicyError('"Version" must be "1"');
  const extra = Object.keys(rest);
  if (extra.length > 0) throw new InvalidPolicyError(`unknown field ${extra.join(", ")}`);
  const list = Array.isArray(Statement) ? Statement : [Statement];
  if (Statement === undefined || list.length === 0) {
    throw new InvalidPolicyError('"Statement" must hold at least one statement');
  }
  return list.map((statement, index) => {
    if (typeof statement !== "object" || statement === null || Array.isArray(statement)) {
      throw new InvalidPolicyError(`Statement ${index + 1} must be a JSON object`);
    }
    return statement as Record<string, unknown>;
  });
}

const KNOWN_FIELDS = ["Effect", "Action", "Resource", "Principal"];

function rejectUnsupported(
  statement: Record<string, unknown>,
  where: string,
  notHere: string[],
): void {
  for (const field of Object.keys(statement)) {
    if (field === "Condition" || field === "NotAction" || field === "NotResource") {
      throw new InvalidPolicyError(
        `${where}: ${field} is not supported by the local cloud; express the policy with Action and Resource only`,
      );
    }
    if (!KNOWN_FIELDS.includes(field) || notHere.includes(field)) {
      throw new InvalidPolicyError(`${where}: unexpected field ${field}`);
    }
  }
}

function readEffect(statement: Record<string, unknown>, where: string): Effect {
  const effect = statement.Effect;
  if (effect !== "Allow" && effect !== "Deny") {
    throw new InvalidPolicyError(`${where}: Effect must be "Allow" or "Deny"`);
  }
  return effect;
}

/** A string or a non-empty list of strings, as policies write single values and lists alike. */
function readStringList(holder: Record<string, unknown>, field: string, where: string): string[] {
  const value = holder[field];
  const list = typeof value === "string" ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((item) => typeof item !== "string" || item === "")
  ) {
    throw new InvalidPolicyError(`${where}: ${field} must be a string or a list of strings`);
  }
  return list as string[];
}

function checkAction(action: string, where: string): string {
  if (action !== "*" && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) {
    throw new InvalidPolicyError(
      `${where}: Action ${JSON.stringify(action)} must look like "service:ActionName" (wildcards * and ? allowed) or be "*"`,
    );
  }
  return action;
}
