// The MySQL/MariaDB rotator's function: secrets tagged rotor:rotator=mysql.
// One module per built-in function, so that each function's bundle carries
// only what it imports (a rotation function: its own rotator and driver).

import { mysqlRotator } from "../../rotators/database/mysql-rotator.ts";
import { createRotationHandler } from "../create-rotation-handler.ts";

export const handler = createRotationHandler({ rotators: [mysqlRotator] });
