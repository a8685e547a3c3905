// The ECS password rotator's function: secrets tagged rotor:rotator=ecs-password.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).

import { ecsPasswordRotator } from "../../rotators/ecs/ecs-password-rotator.ts";
import { createRotationHandler } from "../create-rotation-handler.ts";

export const handler = createRotationHandler({ rotators: [ecsPasswordRotator] });
