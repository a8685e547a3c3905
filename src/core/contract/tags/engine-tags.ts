/**
 * The engine's own settings, read from the secret's `rotor:` tags (see
 * docs/tags.md) within what the function's deployment allows: a tag may
 * shorten the lease but never lengthen it beyond ROTOR_MAX_LEASE. Rotator
 * settings come from the same tags but are parsed by the rotator's schema.
 */

import { ValidationError } from "@rotor/cloud-api";
import { DEFAULT_DEPLOY_POLICY, type DeployPolicy } from "../deploy-policy.ts";
import { parseWindow } from "../schedule/duration.ts";
import { DEFAULT_PENDING_STAGE, RESERVED_STAGES } from "../stages.ts";

export const TAG_PREFIX = "rotor:";
export const ROTATOR_TAG = "rotor:rotator";
export const LAST_FAILURE_TAG = "rotor:last-failure";
export const LEASE_TAG = "rotor:lease";

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

const STAGE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

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
  const stage = tags["rotor:pending-stage"];
  if (stage !== undefined) {
    if (!STAGE_PATTERN.test(stage) || RESERVED_STAGES.has(stage)) {
      throw new ValidationError(
        `Tag rotor:pending-stage: expected a stage name of 1 to 64 letters, digits and _.- other than ACSCurrent, ACSPrevious, RotorLease and RotorRevoke, got ${JSON.stringify(stage)}`,
      );
    }
    config.pendingStage = stage;
  }
  const lease = tags[LEASE_TAG];
  if (lease !== undefined) {
    const ms = parseWindow(lease);
    if (typeof ms !== "number") throw new ValidationError(`Tag rotor:lease: ${ms.error}`);
    if (ms < 60_000)
      throw new ValidationError(`Tag rotor:lease: must be at least 1m, got ${lease}`);
    config.leaseMs = Math.min(ms, policy.maxLeaseMs);
    config.leaseCapped = ms > policy.maxLeaseMs;
  }
  const attempts = tags["rotor:test-attempts"];
  if (attempts !== undefined) {
    if (!/^\d{1,2}$/.test(attempts) || Number(attempts) < 1 || Number(attempts) > 10) {
      throw new ValidationError(
        `Tag rotor:test-attempts: expected a whole number from 1 to 10, got ${JSON.stringify(attempts)}`,
      );
    }
    config.testAttempts = Number(attempts);
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
