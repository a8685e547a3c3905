// The generic rotator's function: secrets tagged rotor:rotator=generic.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).

import { genericRotator } from "../../rotators/generic/generic-rotator.ts";
import { createRotationHandler } from "../create-rotation-handler.ts";

export const handler = createRotationHandler({ rotators: [genericRotator] });
