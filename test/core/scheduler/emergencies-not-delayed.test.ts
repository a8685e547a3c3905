/**
 * The scheduler spreads scheduled rotations over their windows, but never
 * holds back what an emergency left to do: a due secret whose emergency
 * revoke is pending (`rotor:revoke-pending`: the leaked value must be
 * revoked) and the end of a grace period go to FC without a delay, however
 * many rotations wait their turn in the same run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVOKE_PENDING_TAG } from "../../../src/core/contract/tags/engine-tags.ts";
import { fanOut, sendInvocations } from "../../../src/core/scheduler/fan-out.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import { graceEndings } from "../../../src/core/scheduler/grace-endings.ts";
import type { PlanEntry } from "../../../src/core/scheduler/plan.ts";
import { RotationSpread } from "../../../src/core/scheduler/rotation-spread.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";
import { dueEntry } from "./due-entry.ts";

const NOW = Date.parse("2024-06-10T00:00:00Z");

const entry = (name: string, extra?: Partial<PlanEntry>) => dueEntry(name, NOW, extra);

describe("what the scheduler never delays", () => {
  let cloud: RunningLocalCloud;
  let fc: FcClient;

  beforeAll(async () => {
    cloud = await startLocalCloud({ now: () => NOW });
    // Held invocations are never run here: only the delays they were accepted with matter.
    cloud.fc.scaleAsyncDelays(1000);
    fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    cloud.fc.deploy({ name: "rotate-generic", handler: async () => "ok" });
  });
  afterAll(() => cloud.close());

  const delayOf = (secretName: string, taskPrefix = "rotor-") =>
    cloud.fc
      .invocations()
      .filter((record) => record.asyncTaskId?.startsWith(taskPrefix))
      .find(
        (record) =>
          record.asyncTaskId !== undefined && tasks.get(record.asyncTaskId) === secretName,
      )?.delaySeconds;
  const tasks = new Map<string, string>();

  it("a due secret with a pending revoke starts at once, behind nine waiting their turn", async () => {
    // Prepare: one rotation a second, the revoke last in the run; the spread's clock stands still.
    const spread = new RotationSpread(NOW, 1, () => 0);
    const due = [
      ...Array.from({ length: 9 }, (_, i) => entry(`fleet/app-${i}`)),
      entry("fleet/leaked", {
        tags: { ...entry("x").tags, [REVOKE_PENDING_TAG]: "v-leaked" },
      }),
    ];

    // Act
    const results = await fanOut(due, { fc, now: NOW, spread, concurrency: 1 });
    for (const result of results) tasks.set(result.taskId, result.secretName);

    // Assess
    expect(results.every((result) => result.outcome === "invoked")).toBe(true);
    expect(delayOf("fleet/leaked")).toBe(0);
    expect(due.slice(0, 9).map((each) => delayOf(each.secretName))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
  });

  it("a grace period's end starts at once, in a run whose rotations wait", async () => {
    // Prepare: the spread of the same run has handed out turns already.
    const spread = new RotationSpread(NOW, 1, () => 0);
    for (let i = 0; i < 20; i++) spread.turnFor(entry(`fleet/turn-${i}`));
    const plan = [
      entry("fleet/grace", {
        status: "scheduled",
        grace: { previousVersionId: "v-previous", endsAt: NOW - 1, ended: false },
      }),
    ];

    // Act
    const results = await sendInvocations(graceEndings(plan, NOW), { fc, now: NOW, spread });
    for (const result of results) tasks.set(result.taskId, result.secretName);

    // Assess
    expect(results.map((result) => result.outcome)).toEqual(["invoked"]);
    expect(delayOf("fleet/grace", "rotor-grace-")).toBe(0);
  });
});
