// The PostgreSQL rotator's function: secrets tagged rotor:rotator=postgres.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).

import { postgresRotator } from "../../rotators/database/postgres-rotator.ts";
import { createRotationHandler } from "../create-rotation-handler.ts";

export const handler = createRotationHandler({ rotators: [postgresRotator] });
