/**
 * Which of a secret's tags turn its rotation off or weaken it, judged by
 * the same rules the engine and the rotators apply, so that `rotor plan`,
 * `rotor status` and the scheduler can say so. Whoever may tag a secret can
 * write these; a tag may only narrow what the deployment allows, and where
 * one asks for more, Rotor bounds it (capped, raised, ignored) or refuses
 * the rotation. Each finding names the tag, its value and what it does:
 *
 * | effect    | meaning                                                                 |
 * | --------- | ----------------------------------------------------------------------- |
 * | `off`     | scheduled rotation is off (`rotor:enabled=false`)                       |
 * | `weakened`| allowed by the deployment, but weaker than Rotor's default              |
 * | `bounded` | asked for less than the deployment allows; Rotor applies the bound      |
 * | `refused` | the next rotation will be refused because of it                         |
 *
 * Reading only tags (and, when given, the versions' stages): no value.
 */
import type { VersionSummary } from "@rotor/cloud-api";
import { PolicyError } from "@rotor/cloud-api";
import type { DeployPolicy } from "../contract/deploy-policy.ts";
import {
  type FloorAdjustment,
  flooredByteLength,
  flooredPasswordRequest,
} from "../contract/password-floor.ts";
import type { WeakeningEffect } from "../contract/rotor-events.ts";
import { formatDuration } from "../contract/schedule/duration.ts";
import { REVOKE_STAGE } from "../contract/stages.ts";
import {
  DEFAULT_ENGINE_CONFIG,
  engineConfigFromTags,
  LEASE_TAG,
  REVOKE_PENDING_TAG,
  ROTATOR_TAG,
  rotorTags,
} from "../contract/tags/engine-tags.ts";
import { GRACE_PERIOD_TAG, parseGracePeriod } from "../contract/tags/grace-period.ts";
import { POLICY_TAGS } from "../contract/tags/rotation-policy.ts";
import {
  DEFAULT_EXCLUDED_CHARACTERS,
  genericConfigSchema,
} from "../rotators/generic/generic-config.ts";
import { DEFAULT_LENGTH } from "../rotators/generic/generic-generator.ts";

export type { WeakeningEffect };

export interface TagWeakening {
  tag: string;
  value: string;
  effect: WeakeningEffect;
  /** What the tag does now, in a sentence. */
  says: string;
}

type Tags = Readonly<Record<string, string>>;

/** Every finding for a secret's tags, in a stable order (by tag). */
export function tagWeakenings(
  secretName: string,
  tags: Tags,
  policy: DeployPolicy,
  versions?: readonly VersionSummary[],
): TagWeakening[] {
  const found: TagWeakening[] = [];
  const add = (tag: string, effect: WeakeningEffect, says: string) =>
    found.push({ tag, value: tags[tag] ?? "", effect, says });

  if (tags[POLICY_TAGS.enabled] === "false") {
    add(
      POLICY_TAGS.enabled,
      "off",
      "scheduled rotation is off (manual and emergency rotations still work)",
    );
  }
  leaseFindings(tags, policy, add);
  graceFindings(tags, policy, add);
  revokeMarkerFindings(tags, versions, add);
  if (tags[ROTATOR_TAG] === "generic") genericFindings(secretName, tags, policy, add);
  return found.sort((a, b) => a.tag.localeCompare(b.tag));
}

type Add = (tag: string, effect: WeakeningEffect, says: string) => void;

function leaseFindings(tags: Tags, policy: DeployPolicy, add: Add): void {
  if (tags[LEASE_TAG] === undefined) return;
  let config: ReturnType<typeof engineConfigFromTags>;
  try {
    config = engineConfigFromTags(tags, policy);
  } catch {
    return; // A malformed tag is the rotation's own error, shown where it fails.
  }
  const max = formatDuration(policy.maxLeaseMs);
  if (config.leaseCapped) {
    add(
      LEASE_TAG,
      "bounded",
      `capped at ${max} (ROTOR_MAX_LEASE): a failed rotation holds the secret at most that long`,
    );
  } else if (config.leaseMs > DEFAULT_ENGINE_CONFIG.leaseMs) {
    add(
      LEASE_TAG,
      "weakened",
      `a failed rotation holds the secret, emergencies included, for up to ${formatDuration(config.leaseMs)} (default ${formatDuration(DEFAULT_ENGINE_CONFIG.leaseMs)})`,
    );
  }
}

function graceFindings(tags: Tags, policy: DeployPolicy, add: Add): void {
  const text = tags[GRACE_PERIOD_TAG];
  if (text === undefined) return;
  const grace = parseGracePeriod(text);
  if (typeof grace === "number" && grace < policy.minGraceMs) {
    add(
      GRACE_PERIOD_TAG,
      "bounded",
      `raised to ${formatDuration(policy.minGraceMs)} (ROTOR_MIN_GRACE_PERIOD): the previous value stays usable at least that long`,
    );
  }
}

function revokeMarkerFindings(
  tags: Tags,
  versions: readonly VersionSummary[] | undefined,
  add: Add,
): void {
  const named = tags[REVOKE_PENDING_TAG];
  if (named === undefined || versions === undefined) return;
  const version = versions.find((each) => each.versionId === named);
  if (version && !version.versionStages.includes(REVOKE_STAGE)) {
    add(
      REVOKE_PENDING_TAG,
      "bounded",
      `ignored: version ${named} carries no ${REVOKE_STAGE} label, so Rotor did not write it; nothing will be revoked`,
    );
  }
}

function genericFindings(secretName: string, tags: Tags, policy: DeployPolicy, add: Add): void {
  const parsed = genericConfigSchema.safeParse(rotorTags(tags));
  if (!parsed.success) return; // The rotation reports a malformed tag itself.
  const config = parsed.data;
  if (config["webhook-allow-http"]) {
    add(
      "rotor:webhook-allow-http",
      "bounded",
      "ignored: plain http needs an http origin listed by name in ROTOR_WEBHOOK_ORIGINS",
    );
  }
  const asked = config.length ?? DEFAULT_LENGTH;
  let adjustments: FloorAdjustment[];
  try {
    adjustments =
      config.generator === "password"
        ? flooredPasswordRequest(
            {
              length: asked,
              excludeCharacters: config["exclude-characters"] ?? DEFAULT_EXCLUDED_CHARACTERS,
              excludeLowercase: config["exclude-lowercase"] ?? false,
              excludeUppercase: config["exclude-uppercase"] ?? false,
              excludeNumbers: config["exclude-numbers"] ?? false,
              excludePunctuation: config["exclude-punctuation"] ?? false,
              requireEachIncludedType: config["require-each-type"],
            },
            policy.passwordFloor,
            secretName,
          ).adjustments
        : flooredByteLength(asked, policy.passwordFloor).adjustments;
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    const excluding = Object.keys(tags).find((tag) => tag.startsWith("rotor:exclude-"));
    add(excluding ?? "rotor:exclude-characters", "refused", error.message);
    return;
  }
  for (const { tag, text } of adjustments) {
    // "rotor:length=8 raised to 20 (…)" reads as "raised to 20 (…)" beside its own tag.
    const own = `${tag}=${tags[tag] ?? ""} `;
    add(tag, "bounded", text.startsWith(own) ? text.slice(own.length) : text);
  }
}
