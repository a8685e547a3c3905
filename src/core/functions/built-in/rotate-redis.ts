// The Redis/Tair rotator's function: secrets tagged rotor:rotator=redis.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).

import { redisRotator } from "../../rotators/redis/redis-rotator.ts";
import { createRotationHandler } from "../create-rotation-handler.ts";

export const handler = createRotationHandler({ rotators: [redisRotator] });
