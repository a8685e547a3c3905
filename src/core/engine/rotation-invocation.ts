/**
 * What one invocation works on, read once at its start: the secret, its
 * tags, its rotator and the rotator's config, the engine's settings, and
 * what was asked (an emergency, IfDue). Readonly: where the invocation
 * learns something that changes it (a revoke marker makes it an
 * emergency, an emergency writes its marker), the part that learns it
 * returns a new invocation, and what follows works on that one.
 */
import { ValidationError } from "@rotor/cloud-api";
import type { AnyRotator } from "../contract/rotator-contract.ts";
import { formatDuration } from "../contract/schedule/duration.ts";
import {
  type EngineConfig,
  engineConfigFromTags,
  LEASE_TAG,
  REVOKE_PENDING_TAG,
  ROTATOR_TAG,
  rotorTags,
} from "../contract/tags/engine-tags.ts";
import type { EngineRuntime } from "./engine-runtime.ts";
import type { RotationEventTrail } from "./rotation-event-trail.ts";
import type { RotationRequest } from "./rotation-request.ts";

/** Work a rotator asked to run when the invocation ends, such as closing a connection. */
export type EndHook = () => void | Promise<void>;

export interface Invocation {
  readonly secretName: string;
  readonly rotator: AnyRotator;
  /** The secret's `rotor:` tags parsed by the rotator's config schema. */
  readonly config: unknown;
  readonly engineConfig: EngineConfig;
  readonly tags: Readonly<Record<string, string>>;
  /** Asked as an emergency, or made one by the revoke marker or label (revoke-marker.ts). */
  readonly emergency: boolean;
  /** Rotate only if the versions say the secret is due. */
  readonly ifDue: boolean;
  /** The revoke marker's value in KMS as this invocation knows it (the leaked version id). */
  readonly revokeMarker: string | undefined;
  /** What rotators ask to run when the invocation ends (ctx.onInvocationEnd): the engine runs them all. */
  readonly endHooks: EndHook[];
  /** What the invocation announces. */
  readonly trail: RotationEventTrail;
}

/**
 * Reads the secret's description and tags and picks its rotator; refuses
 * a secret Rotor does not rotate or whose tags its rotator does not accept.
 */
export async function loadInvocation(
  runtime: EngineRuntime,
  rotators: Readonly<Record<string, AnyRotator>>,
  request: RotationRequest,
  trail: RotationEventTrail,
  endHooks: EndHook[],
): Promise<Invocation> {
  const { secretName } = request;
  const { secretType, tags } = await runtime.store.describe(secretName);
  if (secretType !== "Generic") {
    throw new ValidationError(
      `Secret ${secretName} is a ${secretType} secret, which KMS rotates itself; Rotor rotates Generic secrets`,
    );
  }
  const kind = tags[ROTATOR_TAG];
  const known = Object.keys(rotators).join(", ");
  if (kind === undefined) {
    throw new ValidationError(
      `Secret ${secretName} has no ${ROTATOR_TAG} tag; set it to the rotator kind (one of: ${known})`,
    );
  }
  const rotator = rotators[kind];
  if (!rotator) {
    throw new ValidationError(
      `Tag ${ROTATOR_TAG} of secret ${secretName}: unknown rotator ${JSON.stringify(kind)} (known: ${known})`,
    );
  }
  trail.rotator = rotator.kind;
  const engineConfig = engineConfigFromTags(tags, runtime.policy);
  if (engineConfig.leaseCapped) {
    runtime.log.warn("lease-capped", {
      secret: secretName,
      tag: LEASE_TAG,
      asked: tags[LEASE_TAG],
      maxLease: formatDuration(runtime.policy.maxLeaseMs),
    });
  }
  const parsed = rotator.config.safeParse(rotorTags(tags));
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `tag rotor:${issue.path.map(String).join(".") || "(all)"}: ${issue.message}`,
    );
    throw new ValidationError(`Secret ${secretName}: ${problems.join("; ")}`);
  }
  return Object.freeze({
    secretName,
    rotator,
    config: parsed.data,
    engineConfig,
    tags,
    emergency: request.emergency === true,
    ifDue: request.ifDue === true,
    revokeMarker: tags[REVOKE_PENDING_TAG],
    endHooks,
    trail,
  });
}

/** The same invocation, run as an emergency. */
export function asEmergency<T extends Invocation>(invocation: T): T {
  return invocation.emergency ? invocation : Object.freeze({ ...invocation, emergency: true });
}

/** The same invocation, knowing the revoke marker now names `versionId` (or nothing). */
export function withRevokeMarker<T extends Invocation>(
  invocation: T,
  versionId: string | undefined,
): T {
  return invocation.revokeMarker === versionId
    ? invocation
    : Object.freeze({ ...invocation, revokeMarker: versionId });
}
