/**
 * Which failed calls a client may send again. A failure either proves the
 * call was not carried out, or leaves it unknown:
 *
 * - not carried out: a throttled answer (the gateway refused it before the
 *   service saw it) or a connection that was never made (refused, no such
 *   host). Every call may be sent again.
 * - unknown: a connection cut or timed out after the request left, or a
 *   server error (InternalFailure, ServiceUnavailableTemporary: the service
 *   may have done part or all of it). Only an idempotent call, one whose
 *   repeat changes nothing more and answers as the first would have, may
 *   be sent again; any other surfaces the error, and its caller, which
 *   knows what the call was for, reads the state and decides.
 *
 * Any other error is a final answer and is never retried.
 */

import type { Product } from "./endpoints.ts";
import { ApiError, NetworkError } from "./errors.ts";

export type RetryRule = "idempotent" | "not-idempotent";

/** The server said "not now" before doing anything. */
const THROTTLED_CODES: ReadonlySet<string> = new Set([
  "Rejected.Throttling",
  "Throttling",
  "Throttling.User",
  "Throttling.Api",
  // EventBridge's throttling answer (429).
  "TooManyRequests",
]);

/** The server failed while handling the call: it may or may not have done it. */
const SERVER_FAILURE_CODES: ReadonlySet<string> = new Set([
  "ServiceUnavailableTemporary",
  "ServiceUnavailable",
  "InternalFailure",
  "InternalError",
]);

/** Node's codes for a connection that was never made: nothing was sent. */
const NOT_CONNECTED_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** A transient failure: the same call may succeed later (the rule aside). */
export function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  return (
    error instanceof ApiError &&
    (THROTTLED_CODES.has(error.code) || SERVER_FAILURE_CODES.has(error.code))
  );
}

/** Whether the failure proves the call was not carried out. */
export function provesNotCarriedOut(error: unknown): boolean {
  if (error instanceof ApiError) return THROTTLED_CODES.has(error.code);
  if (error instanceof NetworkError) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === "string" && NOT_CONNECTED_CODES.has(code);
  }
  return false;
}

/** Whether a call under `rule` may be sent again after `error`. */
export function mayRetry(error: unknown, rule: RetryRule): boolean {
  if (!isTransient(error)) return false;
  return rule === "idempotent" || provesNotCarriedOut(error);
}

type Query = Readonly<Record<string, unknown>>;
type RuleTable = Readonly<Record<string, RetryRule | ((query: Query) => RetryRule)>>;

/** What a repeat of each action does decides its rule; docs/client.md lists them. */
const RULES: Readonly<Record<Product, RuleTable>> = {
  kms: {
    GetSecretValue: "idempotent",
    DescribeSecret: "idempotent",
    ListSecrets: "idempotent",
    ListSecretVersionIds: "idempotent",
    GetRandomPassword: "idempotent",
    // Same VersionId and same data: KMS answers success and changes nothing.
    PutSecretValue: "idempotent",
    // Moving a stage to where it is changes nothing; removing it again is
    // refused (the version no longer carries it).
    UpdateSecretVersionStage: (query) =>
      query.RemoveFromVersion === undefined ? "idempotent" : "not-idempotent",
    UpdateSecret: "idempotent",
    TagResource: "idempotent",
    UntagResource: "idempotent",
    // A repeat is refused: Rejected.ResourceExist, ResourceInDeleteWindow or not found.
    CreateSecret: "not-idempotent",
    DeleteSecret: "not-idempotent",
    RestoreSecret: "not-idempotent",
  },
  ram: {
    GetUser: "idempotent",
    ListUsers: "idempotent",
    ListAccessKeys: "idempotent",
    GetRole: "idempotent",
    ListPoliciesForUser: "idempotent",
    ListPoliciesForRole: "idempotent",
    UpdateAccessKey: "idempotent",
    // A repeat makes a second key: a user holds at most two.
    CreateAccessKey: "not-idempotent",
    CreateUser: "not-idempotent",
    CreateRole: "not-idempotent",
    CreatePolicy: "not-idempotent",
    DeleteUser: "not-idempotent",
    DeleteAccessKey: "not-idempotent",
    AttachPolicyToUser: "not-idempotent",
    DetachPolicyFromUser: "not-idempotent",
    AttachPolicyToRole: "not-idempotent",
    DetachPolicyFromRole: "not-idempotent",
  },
  sts: {
    GetCallerIdentity: "idempotent",
    // A repeat issues other keys for the same role; nothing else changes.
    AssumeRole: "idempotent",
  },
  rds: {
    DescribeAccounts: "idempotent",
    DescribeDBInstanceAttribute: "idempotent",
    DescribeDBInstanceNetInfo: "idempotent",
    // Both set a state: the same privileges, the same password.
    GrantAccountPrivilege: "idempotent",
    ResetAccountPassword: "idempotent",
    CreateAccount: "not-idempotent",
    DeleteAccount: "not-idempotent",
  },
  polardb: {
    DescribeAccounts: "idempotent",
    DescribeDBClusterEndpoints: "idempotent",
    // Each sets a state: the same password, privileges or description.
    ModifyAccountPassword: "idempotent",
    GrantAccountPrivilege: "idempotent",
    ModifyAccountDescription: "idempotent",
    CreateAccount: "not-idempotent",
    DeleteAccount: "not-idempotent",
  },
  kvstore: {
    DescribeAccounts: "idempotent",
    DescribeDBInstanceNetInfo: "idempotent",
    ResetAccountPassword: "idempotent",
    GrantAccountPrivilege: "idempotent",
    ModifyAccountDescription: "idempotent",
    // A repeat is refused: the old password it names no longer holds.
    ModifyAccountPassword: "not-idempotent",
    CreateAccount: "not-idempotent",
    DeleteAccount: "not-idempotent",
  },
  eventbridge: {
    // A repeat carries the same source and id: the bus keeps one event, and
    // receivers dedupe by id, as EventBridge delivers at least once.
    PutEvents: "idempotent",
    QueryTracedEvents: "idempotent",
    QueryEvent: "idempotent",
    GetEventBus: "idempotent",
    ListEventBuses: "idempotent",
    CreateEventBus: "not-idempotent",
    DeleteEventBus: "not-idempotent",
  },
  ecs: {
    DescribeInvocationResults: "idempotent",
    DescribeSendFileResults: "idempotent",
    // A repeat runs the script, or sends the file, a second time.
    RunCommand: "not-idempotent",
    SendFile: "not-idempotent",
  },
};

/** The rule of `product`'s `action` called with `query`; an action not listed is not idempotent. */
export function retryRuleFor(product: Product, action: string, query: Query): RetryRule {
  const table = RULES[product];
  const rule = Object.hasOwn(table, action) ? table[action] : undefined;
  if (rule === undefined) return "not-idempotent";
  return typeof rule === "function" ? rule(query) : rule;
}
