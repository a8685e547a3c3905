// The RAM AccessKey rotator's function: secrets tagged rotor:rotator=ram-access-key.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).

import { ramAccessKeyRotator } from "../../rotators/ram-access-key/ram-access-key-rotator.ts";
import { createRotationHandler } from "../create-rotation-handler.ts";

export const handler = createRotationHandler({ rotators: [ramAccessKeyRotator] });
