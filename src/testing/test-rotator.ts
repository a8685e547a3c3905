/**
 * The conformance suite every rotator must pass, built-in or a user's own:
 *
 * ```ts
 * import { testRotator } from "@rotor/testing";
 * testRotator({
 *   rotator: myRotator,
 *   async prepare(harness) {
 *     // start or point at the target, return the secret's first value and tags
 *     return { data, tags: { "rotor:rotator": myRotator.kind }, verify, close };
 *   },
 *   badValues: [{ data: "{}", error: /AccountPassword/ }],
 * });
 * ```
 *
 * It checks a full rotation; every step run twice; a crash before every
 * external call (KMS or the rotator's `ctx.external`) followed by a later
 * invocation that resumes; many concurrent invocations, scheduled and
 * emergency, at one secret; bad secret values refused with a clear error
 * and no write; and finally that no log line holds a secret value.
 */

import type { DeployPolicy } from "@rotor/core";
import { type AnyRotator, STEPS, ValidationError } from "@rotor/core";
import type { RotationResult } from "@rotor/core/engine";
import { RotationBlockedError, RotationInProgressError } from "@rotor/core/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultInjector, InjectedCrash } from "./fault-injector.ts";
import { type RotationHarness, startRotationHarness } from "./rotation-harness.ts";

export interface PreparedSecret {
  /** The secret's first value, as stored. */
  data: string;
  /** Its tags; must include `rotor:rotator`. */
  tags: Record<string, string>;
  /** Throws unless the target accepts this value (stored data of a version). */
  verify(data: string): Promise<void>;
  /** Releases what prepare made for this secret. */
  close?(): Promise<void>;
}

export interface TestRotatorOptions {
  rotator: AnyRotator;
  /** Makes a fresh target account (or the like) and its secret's first value; called once per secret. */
  prepare(harness: RotationHarness): Promise<PreparedSecret>;
  /** Values the rotator must refuse, and the error it must give (naming the field). */
  badValues: { data: string; error: RegExp }[];
  /** How many invocations race in the concurrency test (default 6). */
  concurrency?: number;
  /** How long one test may take (the suite starts real servers): default 120 s. */
  timeoutMs?: number;
  /** What the deployment allows, e.g. the RDS or ECS instances the rotator may reach; default read from the environment. */
  policy?: DeployPolicy;
}

/** A clock far enough ahead that every lease taken now has run out. */
const LATER = 24 * 60 * 60 * 1000;

export function testRotator(options: TestRotatorOptions): void {
  const { rotator } = options;
  const timeout = options.timeoutMs ?? 120_000;

  describe(`rotator ${rotator.kind}: conformance`, () => {
    let harness: RotationHarness;
    const prepared: PreparedSecret[] = [];
    const secretNames: string[] = [];

    beforeAll(async () => {
      harness = await startRotationHarness([rotator], { policy: options.policy });
    });
    afterAll(async () => {
      for (const secret of prepared) await secret.close?.();
      await harness?.close();
    });

    const newSecret = async (label: string) => {
      const secret = await options.prepare(harness);
      prepared.push(secret);
      const name = harness.uniqueName(`conformance/${rotator.kind}/${label}`);
      secretNames.push(name);
      await harness.createSecret({ name, data: secret.data, tags: secret.tags });
      return { name, secret };
    };
    const currentData = async (name: string) =>
      (await harness.admin.getSecretValue({ secretName: name })).secretData;
    const expectRotated = async (name: string, secret: PreparedSecret, before: string) => {
      const versions = await harness.assertConsistent(name);
      expect(
        versions.filter((version) => version.versionStages.includes("ACSPrevious")),
      ).toHaveLength(1);
      const after = await currentData(name);
      expect(after).not.toBe(before);
      await secret.verify(after);
    };

    it(
      "rotates through all four steps: one ACSCurrent the target accepts, one ACSPrevious, nothing pending",
      async () => {
        // Prepare
        const { name, secret } = await newSecret("full");
        // Act
        const result = await harness.engine().rotate({ secretName: name });
        // Assess
        expect(result.outcome).toBe("rotated");
        expect(result.steps).toEqual([...STEPS]);
        await expectRotated(name, secret, secret.data);
        expect((await harness.admin.getSecretValue({ secretName: name })).versionId).toBe(
          result.versionId,
        );
      },
      timeout,
    );

    it(
      "gives the same result when every step is run twice",
      async () => {
        // Prepare
        const { name, secret } = await newSecret("twice");
        const engine = harness.engine();
        // Act
        const created = await engine.rotate({ secretName: name, step: "createSecret" });
        const token = created.versionId;
        const outcomes: RotationResult["outcome"][] = [];
        for (const step of STEPS) {
          for (let run = 0; run < 2; run++) {
            outcomes.push(
              (await engine.rotate({ secretName: name, step, versionId: token })).outcome,
            );
          }
        }
        // Assess
        expect(created.outcome).toBe("step-done");
        expect(outcomes.slice(0, 7)).toEqual(Array(7).fill("step-done"));
        expect(outcomes[7]).toBe("already-current");
        expect((await harness.admin.getSecretValue({ secretName: name })).versionId).toBe(token);
        await expectRotated(name, secret, secret.data);
      },
      timeout,
    );

    it(
      "refuses a step for a token that is neither current nor pending, and changes nothing",
      async () => {
        // Prepare
        const { name } = await newSecret("refuse");
        const before = await harness.versions(name);
        const oldId = before[0]?.versionId as string;
        await harness.admin.putSecretValue({
          secretName: name,
          versionId: "unrelated",
          secretData: (await currentData(name)) as string,
          versionStages: ["Other"],
        });
        // Act
        const attempt = harness
          .engine()
          .rotate({ secretName: name, step: "setSecret", versionId: "unrelated" });
        // Assess
        await expect(attempt).rejects.toThrow(/neither ACSCurrent nor ACSPending/);
        const after = await harness.versions(name);
        expect(after.find((version) => version.versionId === oldId)?.versionStages).toEqual([
          "ACSCurrent",
        ]);
      },
      timeout,
    );

    it(
      "resumes after a crash before any external call and ends consistent, the target accepting ACSCurrent",
      async () => {
        // Prepare: count the external calls of one clean rotation.
        const { name: probe } = await newSecret("probe");
        const counter = faultInjector();
        await harness.engine({ beforeExternalCall: counter.hook }).rotate({ secretName: probe });
        const total = counter.calls.length;
        expect(total).toBeGreaterThanOrEqual(4);
        for (let crashAt = 1; crashAt <= total; crashAt++) {
          const { name, secret } = await newSecret(`crash-${crashAt}`);
          const injector = faultInjector(crashAt);
          // Act: crash, then a later invocation (past any lease) carries on.
          const crashed = harness
            .engine({ beforeExternalCall: injector.hook })
            .rotate({ secretName: name });
          await expect(crashed).rejects.toBeInstanceOf(Error);
          expect(injector.crashed()).toBe(true);
          const resumed = await harness
            .engine({ clockOffsetMs: LATER })
            .rotate({ secretName: name });
          // Assess
          expect(["rotated", "already-current"]).toContain(resumed.outcome);
          await expectRotated(name, secret, secret.data);
          const versionCount = (await harness.versions(name)).length;
          expect(versionCount, `crash before call ${crashAt}: versions`).toBeLessThanOrEqual(4);
        }
      },
      timeout * 3,
    );

    it(
      "lets exactly one of many concurrent invocations (scheduled and emergency) rotate; the others refuse",
      async () => {
        // Prepare
        const { name, secret } = await newSecret("race");
        const count = options.concurrency ?? 6;
        // Act
        const settled = await Promise.allSettled(
          Array.from({ length: count }, (_, index) =>
            harness.engine().rotate({ secretName: name, emergency: index % 2 === 1 }),
          ),
        );
        // Assess
        const rotated = settled.filter(
          (entry) => entry.status === "fulfilled" && entry.value.outcome === "rotated",
        );
        const unexpected = settled.filter(
          (entry) => entry.status === "rejected" && !(entry.reason instanceof RotationBlockedError),
        );
        expect(unexpected.map((entry) => String((entry as PromiseRejectedResult).reason))).toEqual(
          [],
        );
        expect(rotated.length).toBeGreaterThanOrEqual(1);
        await expectRotated(name, secret, secret.data);
        const created = (await harness.versions(name)).filter((version) =>
          version.versionId.startsWith("rotor-"),
        );
        expect(created.length).toBe(rotated.length);
      },
      timeout,
    );

    it(
      "refuses a crashed holder's rotation while its lease runs, then a later invocation resumes it",
      async () => {
        // Prepare: crash right after the pending version is stored.
        const { name, secret } = await newSecret("lease");
        const probe = faultInjector();
        const engineProbe = harness.engine({ beforeExternalCall: probe.hook });
        const { name: other } = await newSecret("lease-probe");
        await engineProbe.rotate({ secretName: other });
        const afterPut = probe.calls.findIndex((call) => call.name === "PutSecretValue") + 2;
        const injector = faultInjector(afterPut);
        await expect(
          harness.engine({ beforeExternalCall: injector.hook }).rotate({ secretName: name }),
        ).rejects.toBeInstanceOf(InjectedCrash);
        // Act
        const during = harness.engine().rotate({ secretName: name, emergency: true });
        await expect(during).rejects.toBeInstanceOf(RotationInProgressError);
        const later = await harness.engine({ clockOffsetMs: LATER }).rotate({ secretName: name });
        // Assess
        expect(later.resumed).toBe(true);
        expect(later.outcome).toBe("rotated");
        await expectRotated(name, secret, secret.data);
      },
      timeout,
    );

    for (const [index, bad] of options.badValues.entries()) {
      it(
        `refuses bad secret value #${index + 1} with a clear error and writes nothing`,
        async () => {
          // Prepare
          const secret = await options.prepare(harness);
          prepared.push(secret);
          const name = harness.uniqueName(`conformance/${rotator.kind}/bad`);
          secretNames.push(name);
          await harness.createSecret({ name, data: bad.data, tags: secret.tags });
          const before = await harness.admin.describeSecret({ secretName: name, fetchTags: true });
          const versionsBefore = await harness.versions(name);
          // Act
          const attempt = harness.engine().rotate({ secretName: name });
          // Assess
          await expect(attempt).rejects.toBeInstanceOf(ValidationError);
          await expect(attempt).rejects.toThrow(bad.error);
          const after = await harness.admin.describeSecret({ secretName: name, fetchTags: true });
          expect(await harness.versions(name)).toEqual(versionsBefore);
          expect(after.tags).toEqual(before.tags);
          const message = await attempt.catch((error: Error) => error.message);
          if (bad.data.length >= 8) expect(message).not.toContain(bad.data);
        },
        timeout,
      );
    }

    it("never wrote a secret value into a log line", async () => {
      // Prepare: every value every version of every secret of this suite holds.
      const values = new Set<string>();
      for (const secretName of secretNames) {
        for (const version of await harness.versions(secretName)) {
          const { secretData } = await harness.admin.getSecretValue({
            secretName,
            versionId: version.versionId,
          });
          if (version.versionId.includes(".lease-")) continue;
          values.add(secretData);
          try {
            for (const part of rotator.value.sensitive(
              rotator.value.parse(secretData, secretName),
            )) {
              if (part.length >= 8) values.add(part);
            }
          } catch {
            // A deliberately bad value: its raw data is checked above.
          }
        }
      }
      // Act
      const leaks = harness.logLines.filter((line) =>
        [...values].some((value) => line.includes(value)),
      );
      // Assess
      expect(harness.logLines.length).toBeGreaterThan(0);
      expect(values.size).toBeGreaterThan(0);
      expect(leaks).toEqual([]);
    });
  });
}
