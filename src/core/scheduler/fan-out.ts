/**
 * Sends one asynchronous FC invocation per due secret to the function that
 * rotates it, with bounded concurrency and our own QPS budget (below FC's
 * quota), so 10,000 due secrets become a steady stream, not a burst of
 * throttling errors.
 *
 * Each invocation carries an async task id derived from the secret and the
 * slot it is due in (its schedule window, or the day for interval-only
 * policies, and the last rotation time), so a scheduler that runs twice in
 * one window, or two schedulers racing, cause one rotation: FC refuses a
 * task id it has already seen.
 */
import { createHash } from "node:crypto";
import { ApiError, isRetryable } from "@rotor/cloud-api";
import type { AsyncInvokeOutcome } from "./fc-client.ts";
import type { PlanEntry } from "./plan.ts";
import { isThrottling, mapBounded, RateLimiter } from "./rate-limiter.ts";
import type { RotationSpread } from "./rotation-spread.ts";

/** The part of FcClient the fan-out needs (tests count calls through it). */
export interface AsyncInvoker {
  invokeAsync(
    functionName: string,
    event: unknown,
    taskId?: string,
    delaySeconds?: number,
  ): Promise<AsyncInvokeOutcome>;
}

export interface FanOutOptions {
  fc: AsyncInvoker;
  now: number;
  /** Parallel invocations (default 8). */
  concurrency?: number;
  /** Our budget of FC calls per second (default 50). */
  fcQps?: number;
  /** A limiter shared with other fan-outs of the same run (it then holds the budget). */
  limiter?: RateLimiter | undefined;
  /** Attempts per invocation on throttling or network errors (default 5). */
  attempts?: number;
  /**
   * Spreads rotations over their windows (rotation-spread.ts) and times
   * each as it is sent; without it each starts at once.
   */
  spread?: RotationSpread | undefined;
  onProgress?: (done: number, total: number) => void;
}

export interface FanOutResult {
  secretName: string;
  functionName: string;
  taskId: string;
  outcome: "invoked" | "duplicate" | "failed";
  error?: string | undefined;
  /**
   * Set on a failure: true when FC throttled the request or did not answer
   * (after the retries), which the next run may well get past; false when
   * FC refused it (no such function, no permission, a bad request), which
   * comes back on every run until someone changes the configuration.
   */
  transient?: boolean | undefined;
}

const DAY_MS = 86_400_000;

/** The async task id for a due secret: stable within its slot, new in the next. */
export function rotationTaskId(entry: PlanEntry, now: number): string {
  const slot = entry.windowStart ?? Math.floor(now / DAY_MS) * DAY_MS;
  const digest = createHash("sha256")
    .update(`${entry.secretName}\n${entry.lastRotation ?? 0}\n${slot}`)
    .digest("hex")
    .slice(0, 32);
  return `rotor-${digest}`;
}

/** One asynchronous invocation the scheduler sends. */
export interface ScheduledInvocation {
  secretName: string;
  functionName: string;
  event: Record<string, unknown>;
  taskId: string;
  /**
   * Its turn on the spread's clock (rotation-spread.ts); absent: at once.
   * Turned into FC's delay and the event's StartAfterMs as it is sent.
   */
  turnAt?: number | undefined;
}

/**
 * Rotates each due secret: `{"SecretName"}` (with `"IfDue": true` when
 * unconfirmed, and `"StartAfterMs"` for its turn's part of a second) to
 * its function.
 */
export async function fanOut(
  due: readonly PlanEntry[],
  options: FanOutOptions,
): Promise<FanOutResult[]> {
  return sendInvocations(
    due.map((entry) => ({
      secretName: entry.secretName,
      functionName: entry.functionName,
      // Judged due from the record alone: the function confirms from the versions.
      event: entry.confirmAtRotation
        ? { SecretName: entry.secretName, IfDue: true }
        : { SecretName: entry.secretName },
      taskId: rotationTaskId(entry, options.now),
      turnAt: options.spread?.turnFor(entry),
    })),
    options,
  );
}

/** Sends each invocation once (FC drops a task id it has seen), within the QPS budget. */
export async function sendInvocations(
  invocations: readonly ScheduledInvocation[],
  options: FanOutOptions,
): Promise<FanOutResult[]> {
  const limiter = options.limiter ?? new RateLimiter(options.fcQps ?? 50);
  const attempts = options.attempts ?? 5;
  return mapBounded(
    invocations,
    options.concurrency ?? 8,
    async (invocation): Promise<FanOutResult> => {
      const { secretName, functionName, taskId } = invocation;
      const base = { secretName, functionName, taskId };
      for (let attempt = 1; ; attempt++) {
        await limiter.take();
        try {
          // Timed now, after any wait for the budget, so the start lands on the turn.
          const timing =
            invocation.turnAt === undefined
              ? undefined
              : options.spread?.timingOf(invocation.turnAt);
          const outcome = await options.fc.invokeAsync(
            functionName,
            timing?.startAfterMs
              ? { ...invocation.event, StartAfterMs: timing.startAfterMs }
              : invocation.event,
            taskId,
            timing?.delaySeconds,
          );
          return { ...base, outcome: outcome.status === "duplicate" ? "duplicate" : "invoked" };
        } catch (error) {
          const throttled = isThrottling(error);
          if (throttled) limiter.throttled();
          const transient = throttled || isRetryable(error);
          if (transient && attempt < attempts) {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));
            continue;
          }
          const why =
            error instanceof ApiError
              ? `${error.code} (request ${error.requestId ?? "?"})`
              : (error as Error).message;
          return { ...base, outcome: "failed", error: why, transient };
        }
      }
    },
    options.onProgress,
  );
}
