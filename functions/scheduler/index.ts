// FC entry point of the scheduler function (timer trigger; runtime nodejs20, handler index.handler).
export { handler } from "@rotor/core/functions/scheduler";
