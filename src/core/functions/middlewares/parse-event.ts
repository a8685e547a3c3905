/** Checks the event (Buffer, string, object, timer envelope) before anything else runs. */
import { parseRotationEvent } from "../rotation-event.ts";
import { type RotationMiddyRequest, state } from "./handler-state.ts";

export function parseEvent() {
  return {
    name: "rotor-parse-event",
    before(request: RotationMiddyRequest): void {
      state(request)["rotor.request"] = parseRotationEvent(request.event);
    },
  };
}
