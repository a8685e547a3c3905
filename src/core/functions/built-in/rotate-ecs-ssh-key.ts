// The ECS SSH key rotator's function: secrets tagged rotor:rotator=ecs-ssh-key.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).

import { ecsSshKeyRotator } from "../../rotators/ecs/ecs-ssh-key-rotator.ts";
import { createRotationHandler } from "../create-rotation-handler.ts";

export const handler = createRotationHandler({ rotators: [ecsSshKeyRotator] });
