// The onFailure destination shared by the rotation functions.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).
import { createOnFailureHandler } from "../on-failure-handler.ts";

export const handler = createOnFailureHandler();
