/**
 * Every problem an audit reports, in words: what is wrong and what to do,
 * one line each, naming the command or tag that fixes it. Kept together so
 * the advice reads alike and a new problem shows where its words belong.
 *
 * Tag values and KMS's answers come from whoever tagged the secret or ran
 * the target: they are cut to one clean line before they are quoted.
 */
import type { TagWeakening } from "../scheduler/tag-weakenings.ts";
import { scrubUntrustedText } from "../text/untrusted-text.ts";
import { isoTime, spanText } from "./audit-format.ts";
import type { Finding } from "./secret-audit.ts";

/** Tag values and error texts as quoted in a finding. */
export function quoted(text: string): string {
  return scrubUntrustedText(text, { maxLength: 256 });
}

const rotate = (secretName: string) => `\`rotor rotate ${secretName}\``;
/** KMS's own API for a type it rotates (the aliyun CLI's spelling). */
const kmsRotate = (secretName: string) =>
  `\`aliyun kms RotateSecret --SecretName ${secretName} --VersionId <new version id>\``;

export function stuck(
  secretName: string,
  pending: { versionId: string; leaseExpiresAt: number; storedByRotor: boolean },
): Finding {
  const whose = pending.storedByRotor ? "" : " (stored outside Rotor)";
  return {
    status: "stuck",
    detail: `the rotation of pending version ${quoted(pending.versionId)}${whose} was interrupted: its lease ran out at ${isoTime(pending.leaseExpiresAt)} and nothing resumed it`,
    advice: `resume it with ${rotate(secretName)}, or drop it with \`rotor cancel ${secretName}\``,
  };
}

export function failing(secretName: string, failure: { at: string; what: string }): Finding {
  return {
    status: "failing",
    detail: `the last rotation failed at ${quoted(failure.at)}: ${quoted(failure.what)}`,
    advice: `find the cause with \`rotor status ${secretName}\` and \`rotor history ${secretName}\`, fix it, then ${rotate(secretName)}`,
  };
}

export function kmsRotationInvalid(secretName: string): Finding {
  return {
    status: "failing",
    detail: "KMS reports its automatic rotation as Invalid: KMS cannot rotate it",
    advice: `check its ExtendedConfig and its database, instance or RAM user in the KMS console, then ${kmsRotate(secretName)}`,
  };
}

export function overdue(
  secretName: string,
  times: { dueAt: number; overdueAt: number; now: number },
): Finding {
  return {
    status: "overdue",
    detail: `due since ${isoTime(times.dueAt)}; the window for it closed ${spanText(times.now - times.overdueAt)} ago without a rotation`,
    advice: `rotate it now with ${rotate(secretName)}, then find why the scheduler did not (\`rotor plan\`, the scheduler's log)`,
  };
}

export function kmsOverdue(
  secretName: string,
  times: { dueAt: number; overdueAt: number; now: number },
): Finding {
  return {
    status: "overdue",
    detail: `KMS's next rotation was due at ${isoTime(times.dueAt)}, ${spanText(times.now - times.dueAt)} ago, and has not happened`,
    advice: `look for Secret:RotateSecret:Failure events in CloudMonitor, or rotate it now: ${kmsRotate(secretName)}`,
  };
}

/** A tag the scheduler or the engine refuses; `consequence` says which. */
export function invalidTag(
  tag: string,
  message: string,
  consequence = "until then the scheduler skips the secret",
): Finding {
  return {
    status: "invalid",
    detail: `${quoted(tag)}: ${quoted(message)}`,
    advice: `correct the tag ${quoted(tag)}; ${consequence}`,
  };
}

export function rotorTagOnKmsType(secretType: string): Finding {
  return {
    status: "invalid",
    detail: `rotor:rotator on a ${quoted(secretType)} secret: KMS rotates that type itself and refuses new versions from anyone else`,
    advice:
      "remove the tag rotor:rotator and set its rotation in KMS (`aliyun kms UpdateSecretRotationPolicy`)",
  };
}

export function unreadable(
  secretName: string,
  action: string,
  why: { code: string; requestId?: string | undefined; throttled: boolean },
): Finding {
  const request = why.requestId ? ` (request ${quoted(why.requestId)})` : "";
  return {
    status: "unreadable",
    detail: `${action} failed: ${quoted(why.code)}${request}`,
    advice: why.throttled
      ? "KMS kept throttling: audit again later, or with a lower --qps"
      : `allow kms:${action} on acs:kms:*:*:secret/${secretName} to whoever runs the audit, then audit again`,
  };
}

export function kmsRotationUnknown(automaticRotation: string | undefined): Finding {
  return {
    status: "unreadable",
    detail: `KMS did not say whether it rotates this secret (AutomaticRotation: ${quoted(automaticRotation ?? "absent")})`,
    advice: "look at the secret's rotation settings in the KMS console",
  };
}

export function disabledByTag(): Finding {
  return {
    status: "disabled",
    detail:
      "scheduled rotation is off (rotor:enabled=false); manual and emergency rotations still work",
    advice: "remove the tag rotor:enabled (or set it to true) to let the scheduler rotate it",
  };
}

export function kmsRotationDisabled(secretName: string): Finding {
  return {
    status: "disabled",
    detail: "KMS's automatic rotation is off",
    advice: `turn it on: \`aliyun kms UpdateSecretRotationPolicy --SecretName ${secretName} --EnableAutomaticRotation true --RotationInterval 30d\``,
  };
}

export function neverRotated(secretName: string, storedAt: number): Finding {
  return {
    status: "never-rotated",
    detail: `its value has not changed since it was stored at ${isoTime(storedAt)}`,
    advice: `rotate it once now to prove its rotation works: ${rotate(secretName)}`,
  };
}

export function kmsNeverRotated(secretName: string, createdAt: number): Finding {
  return {
    status: "never-rotated",
    detail: `KMS has not rotated it since it was created at ${isoTime(createdAt)}`,
    advice: `rotate it once now to prove its rotation works: ${kmsRotate(secretName)}`,
  };
}

/**
 * A tag tag-weakenings.ts reports. One the next rotation will be refused
 * for is `invalid`; one that weakens rotation, or asks to and is bounded,
 * is `weakened`. (`off` is reported as `disabled`.)
 */
export function fromWeakening(secretName: string, found: TagWeakening): Finding {
  const tag = quoted(found.tag);
  const detail = `${tag}=${quoted(found.value)}: ${found.effect}: ${quoted(found.says)}`;
  if (found.effect === "refused") {
    return {
      status: "invalid",
      detail,
      advice: `correct the tag ${tag}: the next rotation will be refused because of it`,
    };
  }
  return {
    status: "weakened",
    detail,
    advice:
      found.effect === "bounded"
        ? `remove the tag ${tag}: Rotor overrides it anyway (\`rotor status ${secretName}\` shows how)`
        : `remove the tag ${tag} or set it back to Rotor's default (\`rotor status ${secretName}\` shows its effect)`,
  };
}

export function unscheduled(): Finding {
  return {
    status: "unscheduled",
    detail: "neither rotor:interval nor rotor:schedule: it rotates only when someone runs it",
    advice: "tag rotor:interval (e.g. 30d) or rotor:schedule so the scheduler rotates it",
  };
}

export function unmanaged(kinds: readonly string[]): Finding {
  return {
    status: "unmanaged",
    detail: "a generic secret without rotor:rotator: nothing rotates it",
    advice: `tag it rotor:rotator (${kinds.join(", ")}) and rotor:interval=30d to have Rotor rotate it (docs/tags.md)`,
  };
}

export function deleting(secretName: string, plannedDeleteTime: string): Finding {
  return {
    status: "deleting",
    detail: `KMS deletes it at ${quoted(plannedDeleteTime)}`,
    advice: `nothing, unless it is still in use: \`aliyun kms RestoreSecret --SecretName ${secretName}\``,
  };
}
