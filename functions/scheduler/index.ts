// FC entry point of the scheduler function (timer trigger; runtime nodejs20, handler index.handler).
import { createSchedulerHandler } from "../../src/scheduler/functions/scheduler-handler.ts";

export const handler = createSchedulerHandler();
