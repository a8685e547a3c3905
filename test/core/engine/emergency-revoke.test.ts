/**
 * An emergency's revoke survives a crash: whichever invocation comes after
 * a crash at any external call (another emergency, or a plain scheduled
 * one) leaves the leaked value refused by the target and ACSCurrent working.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineRotator, jsonSecretValue } from "../../../src/core/contract/rotator-contract.ts";
import { REVOKE_STAGE } from "../../../src/core/contract/stages.ts";
import { REVOKE_PENDING_TAG } from "../../../src/core/contract/tags/engine-tags.ts";
import { faultInjector, InjectedCrash } from "../../../src/testing/fault-injector.ts";
import {
  type RotationHarness,
  startRotationHarness,
} from "../../../src/testing/rotation-harness.ts";

/** Past every lease: the next invocation acts as a much later one. */
const LATER = 24 * 60 * 60 * 1000;

type Account = { User: "app_a" | "app_b"; Password: string };

/**
 * The target: per secret, the password each of two accounts logs in with,
 * like a dual-account database. Every password ever set is kept for the
 * log scan; revokes are counted.
 */
const passwords = new Map<string, Map<string, string>>();
const everSet: string[] = [];
const revokes: { secret: string; user: string }[] = [];

function accountsOf(secretName: string): Map<string, string> {
  let accounts = passwords.get(secretName);
  if (!accounts) {
    accounts = new Map();
    passwords.set(secretName, accounts);
  }
  return accounts;
}
function setPassword(secretName: string, user: string, password: string): void {
  everSet.push(password);
  accountsOf(secretName).set(user, password);
}
function logsIn(secretName: string, account: Account): boolean {
  return accountsOf(secretName).get(account.User) === account.Password;
}

const dualAccountRotator = defineRotator({
  kind: "dual-account-memory",
  description: "two accounts on an in-memory target that knows which passwords log in",
  value: jsonSecretValue(
    z.object({ User: z.enum(["app_a", "app_b"]), Password: z.string().min(8) }),
    '{"User":"app_a|app_b","Password":"…"}',
  ),
  config: z.object({}),
  async createValue(current): Promise<Account> {
    return { User: current.User === "app_a" ? "app_b" : "app_a", Password: randomUUID() };
  },
  async apply({ pending }, ctx) {
    await ctx.external("target.set-password", async () =>
      setPassword(ctx.secretName, pending.User, pending.Password),
    );
  },
  async test(value, ctx) {
    await ctx.external("target.login", async () => {
      if (!logsIn(ctx.secretName, value)) throw new Error(`${value.User} cannot log in`);
    });
  },
  async revoke({ revoked, current }, ctx) {
    if (revoked.User === current.User) return;
    await ctx.external("target.scramble", async () => {
      revokes.push({ secret: ctx.secretName, user: revoked.User });
      setPassword(ctx.secretName, revoked.User, randomUUID());
    });
  },
});

let harness: RotationHarness;
beforeAll(async () => {
  harness = await startRotationHarness([dualAccountRotator]);
});
afterAll(async () => {
  await harness?.close();
});

/** A secret rotated once: ACSCurrent and ACSPrevious name the two accounts, both logging in. */
async function rotatedSecret(label: string): Promise<string> {
  const name = harness.uniqueName(`emergency-revoke/${label}`);
  const first: Account = { User: "app_a", Password: randomUUID() };
  setPassword(name, first.User, first.Password);
  await harness.createSecret({
    name,
    data: JSON.stringify(first),
    tags: { "rotor:rotator": dualAccountRotator.kind },
  });
  await harness.engine().rotate({ secretName: name });
  return name;
}

async function read(secretName: string, versionStage = "ACSCurrent") {
  const secret = await harness.admin.getSecretValue({ secretName, versionStage });
  return { versionId: secret.versionId, account: JSON.parse(secret.secretData) as Account };
}

async function marker(secretName: string): Promise<string | undefined> {
  const { tags } = await harness.admin.describeSecret({ secretName, fetchTags: true });
  return tags.find((tag) => tag.key === REVOKE_PENDING_TAG)?.value;
}

/** The record an emergency writes before it changes anything: the RotorRevoke label, then the tag. */
async function recordedLeak(secretName: string, versionId: string): Promise<void> {
  await harness.admin.updateSecretVersionStage({
    secretName,
    versionStage: REVOKE_STAGE,
    moveToVersion: versionId,
  });
  await harness.admin.tagResource({
    secretName,
    tags: [{ key: REVOKE_PENDING_TAG, value: versionId }],
  });
}

describe("emergency revoke", () => {
  it("records the leaked version before any change and removes the record after the revoke", async () => {
    // Prepare
    const name = await rotatedSecret("order");
    const leaked = await read(name);
    const probe = faultInjector();
    // Act
    await harness.engine({ beforeExternalCall: probe.hook }).rotate({
      secretName: name,
      emergency: true,
    });
    // Assess
    const names = probe.calls.map((call) => call.name);
    const tagAt = names.indexOf("TagResource");
    expect(tagAt).toBeGreaterThanOrEqual(0);
    expect(tagAt).toBeLessThan(names.indexOf("PutSecretValue"));
    expect(tagAt).toBeLessThan(names.indexOf("target.set-password"));
    const labelAt = names.indexOf("UpdateSecretVersionStage");
    expect(labelAt).toBeLessThan(tagAt);
    expect(names.slice(-6)).toEqual([
      "UpdateSecretVersionStage",
      "UpdateSecretVersionStage",
      "UpdateSecretVersionStage",
      "target.scramble",
      "UpdateSecretVersionStage",
      "UntagResource",
    ]);
    expect(await marker(name)).toBeUndefined();
    expect(logsIn(name, leaked.account)).toBe(false);
    expect(logsIn(name, (await read(name)).account)).toBe(true);
  });

  it("adds no KMS call to a scheduled rotation", async () => {
    // Prepare
    const name = harness.uniqueName("emergency-revoke/scheduled");
    await harness.createSecret({
      name,
      data: "initial-text-value",
      tags: { "rotor:rotator": "generic" },
    });
    const counter = faultInjector();
    // Act
    await harness.engine({ beforeExternalCall: counter.hook }).rotate({ secretName: name });
    // Assess
    // ACSCurrent and the versions (is a rotation in progress?) are read alongside DescribeSecret, so they are announced first.
    expect(counter.calls.map((call) => call.name)).toEqual([
      "GetSecretValue",
      "ListSecretVersionIds",
      "DescribeSecret",
      "GetRandomPassword",
      "PutSecretValue",
      "UpdateSecretVersionStage",
      "UpdateSecretVersionStage",
      "UpdateSecretVersionStage",
    ]);
  });

  it("after a crash at any external call, the next invocation (emergency or scheduled) revokes the leaked value and ACSCurrent works", async () => {
    // Prepare: the external calls of one clean emergency rotation, and where the record is written.
    const probe = faultInjector();
    await harness
      .engine({ beforeExternalCall: probe.hook })
      .rotate({ secretName: await rotatedSecret("probe"), emergency: true });
    const total = probe.calls.length;
    // 1-based: a crash at this call or before it happens before the record is in KMS.
    // The record is the RotorRevoke label (the first UpdateSecretVersionStage); the tag follows it.
    const recordedFrom =
      probe.calls.findIndex((call) => call.name === "UpdateSecretVersionStage") + 1;
    expect(recordedFrom).toBeGreaterThan(0);

    const leftValid: string[] = [];
    for (let crashAt = 1; crashAt <= total; crashAt++) {
      for (const next of ["emergency", "scheduled"] as const) {
        const name = await rotatedSecret(`crash-${crashAt}-${next}`);
        const leakedCurrent = await read(name);
        const leakedPrevious = await read(name, "ACSPrevious");
        const where = `crash before call ${crashAt} (${probe.calls[crashAt - 1]?.name}), then ${next}`;
        const injector = faultInjector(crashAt);

        // Act
        const crashed = harness
          .engine({ beforeExternalCall: injector.hook })
          .rotate({ secretName: name, emergency: true });
        // A failed removal of the record only warns: the rotation itself is done.
        const settled = await crashed.then(
          () => "resolved",
          () => "rejected",
        );
        expect(injector.crashed(), where).toBe(true);
        // The last two calls take the record off (label, then tag).
        expect(settled, where).toBe(crashAt >= total - 1 ? "resolved" : "rejected");
        const currentWorkedAfterCrash = logsIn(name, (await read(name)).account);
        const result = await harness
          .engine({ clockOffsetMs: LATER })
          .rotate({ secretName: name, emergency: next === "emergency" });

        // Assess
        expect(currentWorkedAfterCrash, `${where}: ACSCurrent after the crash`).toBe(true);
        expect(["rotated", "already-current"], where).toContain(result.outcome);
        await harness.assertConsistent(name);
        expect(logsIn(name, (await read(name)).account), `${where}: ACSCurrent`).toBe(true);
        expect(logsIn(name, leakedPrevious.account), `${where}: leaked ACSPrevious`).toBe(false);
        if (logsIn(name, leakedCurrent.account)) leftValid.push(`${next}@${crashAt}`);
        expect(await marker(name), `${where}: marker left`).toBeUndefined();
      }
    }
    // Only a scheduled invocation after a crash that came before the record
    // (nothing had changed yet) cannot know about the emergency.
    const expected = Array.from({ length: recordedFrom }, (_, index) => `scheduled@${index + 1}`);
    expect(leftValid).toEqual(expected);
    expect(recordedFrom).toBeLessThan(total);
  }, 300_000);

  it("a scheduled invocation revokes a leaked value left by a crash right after the switch", async () => {
    // Prepare: crash just before the revoke.
    const name = await rotatedSecret("after-switch");
    const leaked = await read(name);
    const probe = faultInjector();
    await harness
      .engine({ beforeExternalCall: probe.hook })
      .rotate({ secretName: await rotatedSecret("after-switch-probe"), emergency: true });
    const revokeAt = probe.calls.findIndex((call) => call.name === "target.scramble") + 1;
    await expect(
      harness
        .engine({ beforeExternalCall: faultInjector(revokeAt).hook })
        .rotate({ secretName: name, emergency: true }),
    ).rejects.toBeInstanceOf(InjectedCrash);
    const switched = await read(name);
    const leftBehind = logsIn(name, leaked.account);
    const markerBefore = await marker(name);
    // Act
    await harness.engine().rotate({ secretName: name });
    // Assess
    expect(switched.versionId).not.toBe(leaked.versionId);
    expect(leftBehind).toBe(true);
    expect(markerBefore).toBe(leaked.versionId);
    expect(logsIn(name, leaked.account)).toBe(false);
    expect(revokes.filter((revoke) => revoke.secret === name)).toHaveLength(1);
    expect(await marker(name)).toBeUndefined();
    expect(harness.logLines.some((line) => line.includes('"event":"revoke-resumed"'))).toBe(true);
  });

  it("drops a record whose version later rotations moved past, revoking nothing", async () => {
    // Prepare
    const name = await rotatedSecret("stale");
    const old = await read(name, "ACSPrevious");
    await harness.engine().rotate({ secretName: name });
    await harness.admin.tagResource({
      secretName: name,
      tags: [{ key: REVOKE_PENDING_TAG, value: old.versionId }],
    });
    // Act
    const result = await harness.engine().rotate({ secretName: name });
    // Assess
    expect(result.outcome).toBe("rotated");
    expect(revokes.filter((revoke) => revoke.secret === name)).toEqual([]);
    expect(await marker(name)).toBeUndefined();
    expect(
      harness.logLines.some(
        (line) => line.includes('"event":"revoke-marker-dropped"') && line.includes(name),
      ),
    ).toBe(true);
  });

  it("a record naming the current version makes a scheduled rotation an emergency; a dry run leaves it", async () => {
    // Prepare
    const name = await rotatedSecret("current");
    const leaked = await read(name);
    await recordedLeak(name, leaked.versionId);
    // Act
    const dryRun = await harness.engine().rotate({ secretName: name, dryRun: true });
    const markerAfterDryRun = await marker(name);
    const result = await harness.engine().rotate({ secretName: name });
    // Assess
    expect(dryRun.outcome).toBe("dry-run-passed");
    expect(markerAfterDryRun).toBe(leaked.versionId);
    expect(result.outcome).toBe("rotated");
    expect(logsIn(name, leaked.account)).toBe(false);
    expect(logsIn(name, (await read(name)).account)).toBe(true);
    expect(await marker(name)).toBeUndefined();
  });

  it("leaves a record to a rotation that is pending and did not see it", async () => {
    // Prepare: the leaked version is ACSPrevious while another rotation is under way.
    const name = await rotatedSecret("pending");
    const leaked = await read(name, "ACSPrevious");
    const created = await harness.engine().rotate({ secretName: name, step: "createSecret" });
    await recordedLeak(name, leaked.versionId);
    // Act
    await harness
      .engine()
      .rotate({ secretName: name, step: "setSecret", versionId: created.versionId });
    const markerDuring = await marker(name);
    for (const step of ["testSecret", "finishSecret"] as const) {
      await harness.engine().rotate({ secretName: name, step, versionId: created.versionId });
    }
    await harness.engine().rotate({ secretName: name });
    // Assess
    expect(markerDuring).toBe(leaked.versionId);
    expect(revokes.filter((revoke) => revoke.secret === name)).toEqual([]);
    expect(logsIn(name, leaked.account)).toBe(false);
    expect(await marker(name)).toBeUndefined();
    await harness.assertConsistent(name);
  });

  it("never wrote a password into a log line", () => {
    // Prepare
    const values = everSet.filter((value) => value.length >= 8);
    // Act
    const leaks = harness.logLines.filter((line) => values.some((value) => line.includes(value)));
    // Assess
    expect(values.length).toBeGreaterThan(10);
    expect(harness.logLines.length).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});

describe("a revoke marker Rotor did not write", () => {
  // Whoever may only tag a secret could write rotor:revoke-pending: without
  // Rotor's RotorRevoke label on the version it names, it is ignored.

  it("naming ACSPrevious revokes nothing and is dropped with a warning", async () => {
    // Prepare
    const name = await rotatedSecret("forged-previous");
    const previous = await read(name, "ACSPrevious");
    await harness.admin.tagResource({
      secretName: name,
      tags: [{ key: REVOKE_PENDING_TAG, value: previous.versionId }],
    });
    // Act
    const result = await harness.engine().rotate({ secretName: name });
    // Assess
    expect(result.outcome).toBe("rotated");
    expect(revokes.filter((revoke) => revoke.secret === name)).toEqual([]);
    expect(await marker(name)).toBeUndefined();
    expect(
      harness.logLines.some(
        (line) =>
          line.includes('"event":"revoke-marker-dropped"') &&
          line.includes(name) &&
          line.includes("RotorRevoke"),
      ),
    ).toBe(true);
    await harness.assertConsistent(name);
  });

  it("naming ACSCurrent does not make a scheduled rotation an emergency", async () => {
    // Prepare
    const name = await rotatedSecret("forged-current");
    const current = await read(name);
    await harness.admin.tagResource({
      secretName: name,
      tags: [{ key: REVOKE_PENDING_TAG, value: current.versionId }],
    });
    // Act
    const result = await harness.engine().rotate({ secretName: name });
    // Assess
    expect(result.outcome).toBe("rotated");
    expect(revokes.filter((revoke) => revoke.secret === name)).toEqual([]);
    expect(logsIn(name, current.account)).toBe(true);
    expect(await marker(name)).toBeUndefined();
  });

  it("rotor:pending-stage may not name the RotorRevoke label", async () => {
    // Prepare
    const name = await rotatedSecret("stage-name");
    await harness.admin.tagResource({
      secretName: name,
      tags: [{ key: "rotor:pending-stage", value: REVOKE_STAGE }],
    });
    const before = await harness.versions(name);
    // Act
    const attempt = harness.engine().rotate({ secretName: name });
    // Assess
    await expect(attempt).rejects.toThrow(/Tag rotor:pending-stage: .*other than .*RotorRevoke/);
    expect(await harness.versions(name)).toEqual(before);
  });
});
