/**
 * Waiting for a Cloud Assistant invocation: poll its Describe action with a
 * growing pause (a quick command answers within a second, a slow one is
 * not asked about every 100 ms), and give up at the step's deadline rather
 * than let the function be killed mid-wait.
 */
import { FINAL_INVOCATION_STATUSES } from "@rotor/cloud-api";
import { EcsCloudAssistantDeadlineError } from "./ecs-cloud-assistant-errors.ts";

export interface PollClock {
  /** Epoch ms by which the step must be done. */
  deadline: number;
  now(): number;
}

const FIRST_PAUSE_MS = 100;
const MAX_PAUSE_MS = 2_000;
/** Time kept back for the step's own work after the last poll. */
const DEADLINE_MARGIN_MS = 500;

/** Calls `describe` until it reports a final status; throws EcsCloudAssistantDeadlineError at the deadline. */
export async function pollUntilFinished<T extends { status: string }>(
  describe: () => Promise<T>,
  clock: PollClock,
  what: { instanceId: string; invokeId: string; description: string },
): Promise<T> {
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const result = await describe();
    if (FINAL_INVOCATION_STATUSES.has(result.status)) return result;
    const left = clock.deadline - DEADLINE_MARGIN_MS - clock.now();
    if (left <= 0) {
      throw new EcsCloudAssistantDeadlineError(what.instanceId, what.invokeId, what.description);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(MAX_PAUSE_MS, Math.round(pause * 1.5));
  }
}
