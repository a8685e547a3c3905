// FC entry point of the generic rotator's function (runtime nodejs20, handler index.handler).
import { createRotationHandler } from "../../src/handler/create-rotation-handler.ts";
import { genericRotator } from "../../src/rotators/generic/generic-rotator.ts";

export const handler = createRotationHandler({ rotators: [genericRotator] });
