/**
 * The engine's own settings, read from the secret's `rotor:` tags (see
 * docs/tags.md) within what the function's deployment allows: a tag may
 * shorten the lease but never lengthen it beyond ROTOR_MAX_LEASE. Rotator
 * settings come from the same tags but are parsed by the rotator's schema.
 */

import { z } from "zod";
import { DEFAULT_DEPLOY_POLICY, type DeployPolicy } from "../deploy-policy.ts";
import { parseWindow } from "../schedule/duration.ts";
import { DEFAULT_PENDING_STAGE, RESERVED_STAGES } from "../stages.ts";
import { parseTag, writtenByRotor } from "./tag-value.ts";

export const TAG_PREFIX = "rotor:";
export const ROTATOR_TAG = "rotor:rotator";
export const PENDING_STAGE_TAG = "rotor:pending-stage";
export const LEASE_TAG = "rotor:lease";
export const TEST_ATTEMPTS_TAG = "rotor:test-attempts";
export const LAST_FAILURE_TAG = "rotor:last-failure";
/** Tag a holder that stopped on an error writes: the lease it gives up (src/core/engine/rotation-lock.ts). */
export const LEASE_RELEASED_TAG = "rotor:lease-released";
/** The version whose value an emergency still has to revoke (src/core/engine/revoke-marker.ts). */
export const REVOKE_PENDING_TAG = "rotor:revoke-pending";

/** A rotator's kind: which kinds exist is the registry's to say, when it looks the kind up. */
export const rotatorTagSchema = z.string().min(1, { error: "expected a rotator kind" });

const STAGE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export const pendingStageTagSchema = z
  .string()
  .refine((stage) => STAGE_PATTERN.test(stage) && !RESERVED_STAGES.has(stage), {
    error: (issue) =>
      `expected a stage name of 1 to 64 letters, digits and _.- other than ACSCurrent, ACSPrevious, RotorLease and RotorRevoke, got ${JSON.stringify(issue.input)}`,
  });

/** The lease a tag asks for, in ms: at least a minute (the deployment's maximum is applied after). */
export const leaseTagSchema = z.string().transform((text, ctx) => {
  const ms = parseWindow(text);
  if (typeof ms !== "number") ctx.addIssue({ code: "custom", message: ms.error });
  else if (ms < 60_000)
    ctx.addIssue({ code: "custom", message: `must be at least 1m, got ${text}` });
  return typeof ms === "number" ? ms : z.NEVER;
});

export const testAttemptsTagSchema = z
  .string()
  .refine((text) => /^\d{1,2}$/.test(text) && Number(text) >= 1 && Number(text) <= 10, {
    error: (issue) => `expected a whole number from 1 to 10, got ${JSON.stringify(issue.input)}`,
  })
  .transform(Number);

export const lastFailureTagSchema = writtenByRotor;
export const leaseReleasedTagSchema = writtenByRotor;
export const revokePendingTagSchema = writtenByRotor;

export interface EngineConfig {
  /** The stage a new value waits under until it is proven on the target. */
  pendingStage: string;
  /** How long a rotation holds the secret before another invocation may take it over. */
  leaseMs: number;
  /** True when `rotor:lease` asked for longer than ROTOR_MAX_LEASE and got the maximum. */
  leaseCapped: boolean;
  /** Attempts of testSecret (with backoff) before the rotation is declared failed. */
  testAttempts: number;
}

export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  pendingStage: DEFAULT_PENDING_STAGE,
  leaseMs: 15 * 60 * 1000,
  leaseCapped: false,
  testAttempts: 3,
};

/**
 * The engine's settings from the tags. A lease longer than the policy's
 * maximum is capped rather than refused: refusing would let a tag stop
 * every rotation, emergencies included, which is what a long lease threatens.
 */
export function engineConfigFromTags(
  tags: Readonly<Record<string, string>>,
  policy: Pick<DeployPolicy, "maxLeaseMs"> = DEFAULT_DEPLOY_POLICY,
): EngineConfig {
  const config = { ...DEFAULT_ENGINE_CONFIG };
  config.leaseMs = Math.min(config.leaseMs, policy.maxLeaseMs);
  const stage = tags[PENDING_STAGE_TAG];
  if (stage !== undefined)
    config.pendingStage = parseTag(PENDING_STAGE_TAG, pendingStageTagSchema, stage);
  const lease = tags[LEASE_TAG];
  if (lease !== undefined) {
    const ms = parseTag(LEASE_TAG, leaseTagSchema, lease);
    config.leaseMs = Math.min(ms, policy.maxLeaseMs);
    config.leaseCapped = ms > policy.maxLeaseMs;
  }
  const attempts = tags[TEST_ATTEMPTS_TAG];
  if (attempts !== undefined) {
    config.testAttempts = parseTag(TEST_ATTEMPTS_TAG, testAttemptsTagSchema, attempts);
  }
  return config;
}

/** The `rotor:` tags with the prefix removed, as rotator config schemas read them. */
export function rotorTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(TAG_PREFIX)) out[key.slice(TAG_PREFIX.length)] = value;
  }
  return out;
}
