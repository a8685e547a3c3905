/**
 * What `rotor plan`, `rotor status` and the scheduler say about tags that
 * turn rotation off or weaken it: the same rules the engine and the
 * generic rotator apply, read from tags (and version stages) alone.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_DEPLOY_POLICY } from "../../../src/core/contract/deploy-policy.ts";
import { tagWeakenings } from "../../../src/core/scheduler/tag-weakenings.ts";

const policy = DEFAULT_DEPLOY_POLICY;

describe("tags that turn rotation off or weaken it", () => {
  it("finds nothing in a secret with Rotor's defaults", () => {
    expect(
      tagWeakenings("s", { "rotor:rotator": "generic", "rotor:interval": "30d" }, policy),
    ).toEqual([]);
  });

  it("names each weakening tag with its value and what it does now", () => {
    // Act
    const found = tagWeakenings(
      "s",
      {
        "rotor:rotator": "generic",
        "rotor:enabled": "false",
        "rotor:lease": "7d",
        "rotor:length": "8",
        "rotor:grace-period": "1s",
        "rotor:webhook-allow-http": "true",
      },
      policy,
    );

    // Assess
    expect(found).toEqual([
      {
        tag: "rotor:enabled",
        value: "false",
        effect: "off",
        says: "scheduled rotation is off (manual and emergency rotations still work)",
      },
      {
        tag: "rotor:grace-period",
        value: "1s",
        effect: "bounded",
        says: "raised to 1h (ROTOR_MIN_GRACE_PERIOD): the previous value stays usable at least that long",
      },
      {
        tag: "rotor:lease",
        value: "7d",
        effect: "bounded",
        says: "capped at 1h (ROTOR_MAX_LEASE): a failed rotation holds the secret at most that long",
      },
      {
        tag: "rotor:length",
        value: "8",
        effect: "bounded",
        says: "raised to 20 (ROTOR_PASSWORD_MIN_LENGTH)",
      },
      {
        tag: "rotor:webhook-allow-http",
        value: "true",
        effect: "bounded",
        says: "ignored: plain http needs an http origin listed by name in ROTOR_WEBHOOK_ORIGINS",
      },
    ]);
  });

  it("calls a lease the deployment allows but longer than the default weakened", () => {
    expect(tagWeakenings("s", { "rotor:lease": "45m" }, policy)).toEqual([
      {
        tag: "rotor:lease",
        value: "45m",
        effect: "weakened",
        says: "a failed rotation holds the secret, emergencies included, for up to 45m (default 15m)",
      },
    ]);
  });

  it("says when exclusions will get the next rotation refused", () => {
    // Act
    const found = tagWeakenings(
      "app/token",
      {
        "rotor:rotator": "generic",
        "rotor:exclude-lowercase": "true",
        "rotor:exclude-uppercase": "true",
        "rotor:exclude-numbers": "true",
      },
      policy,
    );

    // Assess
    expect(found).toMatchObject([
      {
        tag: "rotor:exclude-lowercase",
        effect: "refused",
        says: expect.stringContaining(
          "requires at least 3 character classes (ROTOR_PASSWORD_MIN_CLASSES), but the tags",
        ),
      },
    ]);
  });

  it("flags a revoke marker naming a version without Rotor's label, and not one with it", () => {
    // Prepare
    const versions = [
      { versionId: "v1", createTime: "", versionStages: ["ACSPrevious"] },
      { versionId: "v2", createTime: "", versionStages: ["ACSCurrent", "RotorRevoke"] },
    ];

    // Act
    const forged = tagWeakenings("s", { "rotor:revoke-pending": "v1" }, policy, versions);
    const genuine = tagWeakenings("s", { "rotor:revoke-pending": "v2" }, policy, versions);

    // Assess
    expect(forged).toMatchObject([
      {
        tag: "rotor:revoke-pending",
        value: "v1",
        effect: "bounded",
        says: expect.stringContaining("ignored"),
      },
    ]);
    expect(genuine).toEqual([]);
  });
});
