// The scheduler's function, run by a timer trigger.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).
import { createSchedulerHandler } from "../scheduler-handler.ts";

export const handler = createSchedulerHandler();
