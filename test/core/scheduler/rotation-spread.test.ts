/**
 * The spread hands out evenly spaced turns and times each invocation as it
 * is sent: FC's delay takes the whole seconds left, the event's
 * StartAfterMs the rest, so rotations start a fraction of a second apart
 * instead of a second's worth at once. The clock is the test's own, so
 * every turn and timing below is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVOKE_PENDING_TAG } from "../../../src/core/contract/tags/engine-tags.ts";
import { fanOut } from "../../../src/core/scheduler/fan-out.ts";
import { FcClient } from "../../../src/core/scheduler/fc-client.ts";
import type { PlanEntry } from "../../../src/core/scheduler/plan.ts";
import { RotationSpread } from "../../../src/core/scheduler/rotation-spread.ts";
import { startLocalCloud } from "../../../src/local-cloud/embedded.ts";
import type { RunningLocalCloud } from "../../../src/local-cloud/server.ts";
import { dueEntry } from "./due-entry.ts";

const NOW = Date.parse("2024-06-10T02:10:00Z");
const MINUTE = 60_000;

const entry = (name: string, extra?: Partial<PlanEntry>) => dueEntry(name, NOW, extra);

/** A clock the test moves by hand, starting at 10 s. */
function handClock() {
  let at = 10_000;
  return {
    read: () => at,
    advance: (ms: number) => {
      at += ms;
    },
  };
}

describe("turns", () => {
  it("come evenly at the pace, from the moment the run began", () => {
    // Prepare
    const clock = handClock();
    const spread = new RotationSpread(NOW, 4, clock.read);

    // Act
    const turns = Array.from({ length: 6 }, (_, i) => spread.turnFor(entry(`app-${i}`)));

    // Assess: a quarter of a second apart, on the spread's clock.
    expect(turns).toEqual([10_000, 10_250, 10_500, 10_750, 11_000, 11_250]);
  });

  it("are timed as they are sent: FC's whole seconds, then the function's milliseconds", () => {
    // Prepare
    const clock = handClock();
    const spread = new RotationSpread(NOW, 4, clock.read);
    const turns = Array.from({ length: 10 }, (_, i) => spread.turnFor(entry(`app-${i}`)) as number);

    // Act: the first five sent at once; the rest 400 ms later (a wait for the FC budget).
    const first = turns.slice(0, 5).map((turn) => spread.timingOf(turn));
    clock.advance(400);
    const later = turns.slice(5).map((turn) => spread.timingOf(turn));

    // Assess: each lands on its turn however late it was sent.
    expect(first).toEqual([
      { delaySeconds: 0, startAfterMs: 0 },
      { delaySeconds: 0, startAfterMs: 250 },
      { delaySeconds: 0, startAfterMs: 500 },
      { delaySeconds: 0, startAfterMs: 750 },
      { delaySeconds: 1, startAfterMs: 0 },
    ]);
    expect(later).toEqual([
      { delaySeconds: 0, startAfterMs: 850 },
      { delaySeconds: 1, startAfterMs: 100 },
      { delaySeconds: 1, startAfterMs: 350 },
      { delaySeconds: 1, startAfterMs: 600 },
      { delaySeconds: 1, startAfterMs: 850 },
    ]);
  });

  it("are never handed out in the past: a run that reaches secrets late does not bunch them", () => {
    // Prepare: two turns, then the run spends 5 s reading pages with nothing due.
    const clock = handClock();
    const spread = new RotationSpread(NOW, 2, clock.read);
    spread.turnFor(entry("early-0"));
    spread.turnFor(entry("early-1"));
    clock.advance(5_000);

    // Act
    const turns = Array.from({ length: 3 }, (_, i) => spread.turnFor(entry(`late-${i}`)));

    // Assess: from now on, still half a second apart.
    expect(turns).toEqual([15_000, 15_500, 16_000]);
    expect(spread.timingOf(turns[2] as number)).toEqual({ delaySeconds: 1, startAfterMs: 0 });
  });

  it("a turn already passed when its invocation is sent starts at once", () => {
    // Prepare
    const clock = handClock();
    const spread = new RotationSpread(NOW, 1, clock.read);
    const turn = spread.turnFor(entry("app")) as number;
    clock.advance(2_500);

    // Act, Assess
    expect(spread.timingOf(turn)).toEqual({ delaySeconds: 0, startAfterMs: 0 });
  });

  it("never fall after the window closes, less a minute for the rotation", () => {
    // Prepare: a window from 02:00 to 02:30, now 02:10: 19 minutes of turns left.
    const clock = handClock();
    const spread = new RotationSpread(NOW, 1 / 60, clock.read);
    const scheduled = (i: number) =>
      entry(`nightly-${i}`, {
        windowStart: NOW - 10 * MINUTE,
        tags: { "rotor:rotator": "generic", "rotor:schedule": "0 2 * * *", "rotor:window": "30m" },
      });

    // Act: one turn a minute, 25 of them.
    const turns = Array.from({ length: 25 }, (_, i) => spread.turnFor(scheduled(i)) as number);

    // Assess: the last ones wait for the window's last minute, no later.
    const latest = 10_000 + 19 * MINUTE;
    expect(turns.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => 10_000 + i * MINUTE));
    expect(turns.slice(19)).toEqual(Array(6).fill(latest));
    expect(spread.timingOf(latest)).toEqual({ delaySeconds: 19 * 60, startAfterMs: 0 });
  });

  it("never ask FC for more than its hour", () => {
    // Prepare: an interval policy's window is the hour from now; one turn every 100 s.
    const clock = handClock();
    const spread = new RotationSpread(NOW, 0.01, clock.read);

    // Act
    const turns = Array.from({ length: 40 }, (_, i) => spread.turnFor(entry(`app-${i}`)) as number);

    // Assess: 59 minutes at most (the hour less the margin), within FC's 3,600 s.
    const timings = turns.map((turn) => spread.timingOf(turn));
    expect(Math.max(...timings.map((t) => t.delaySeconds))).toBe(59 * 60);
    expect(timings.every((t) => t.delaySeconds <= 3600 && t.startAfterMs < 1000)).toBe(true);
  });

  it("none for a secret whose emergency revoke is pending, and it takes no one's turn", () => {
    // Prepare
    const clock = handClock();
    const spread = new RotationSpread(NOW, 1, clock.read);
    spread.turnFor(entry("app-0"));

    // Act
    const leaked = spread.turnFor(
      entry("leaked", { tags: { ...entry("x").tags, [REVOKE_PENDING_TAG]: "v-leaked" } }),
    );
    const next = spread.turnFor(entry("app-1"));

    // Assess
    expect(leaked).toBeUndefined();
    expect(next).toBe(11_000);
  });

  it("refuses a pace that is not above 0", () => {
    for (const pace of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RotationSpread(NOW, pace)).toThrow(/rotations per second must be above 0/);
    }
  });
});

describe("the fan-out sends each turn to the local FC", () => {
  let cloud: RunningLocalCloud;
  let fc: FcClient;
  const received: { SecretName: string; StartAfterMs?: number }[] = [];

  beforeAll(async () => {
    cloud = await startLocalCloud({ now: () => NOW });
    // Delays run at a hundredth of their length: two seconds in 20 ms.
    cloud.fc.scaleAsyncDelays(0.01);
    fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    cloud.fc.deploy({
      name: "rotate-generic",
      handler: async (event) => {
        received.push(JSON.parse(event.toString("utf8")));
      },
    });
  });
  afterAll(() => cloud.close());

  it("with FC's delay in whole seconds and the rest as StartAfterMs in the event", async () => {
    // Prepare: a clock that stands still while the run sends, at 3 rotations a second.
    const spread = new RotationSpread(NOW, 3, () => 0);
    const due = Array.from({ length: 7 }, (_, i) => entry(`fleet/app-${i}`));

    // Act
    const results = await fanOut(due, { fc, now: NOW, spread, concurrency: 1 });
    await cloud.fc.idle();

    // Assess: turns at 0, 333, 667, 1000, 1333, 1667 and 2000 ms.
    expect(results.every((result) => result.outcome === "invoked")).toBe(true);
    const delays = cloud.fc.invocations().map((record) => record.delaySeconds ?? 0);
    expect(delays).toEqual([0, 0, 0, 1, 1, 1, 2]);
    const byName = new Map(received.map((event) => [event.SecretName, event.StartAfterMs]));
    expect(due.map((each) => byName.get(each.secretName))).toEqual([
      undefined,
      333,
      667,
      undefined,
      333,
      667,
      undefined,
    ]);
  });
});
