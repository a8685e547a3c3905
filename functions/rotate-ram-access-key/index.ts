// FC entry point of the RAM AccessKey rotator's function (runtime nodejs20, handler index.handler).
// RAM is called as the function's role, like KMS: its keys come from context.credentials.
import { createRotationHandler } from "../../src/handler/create-rotation-handler.ts";
import { ramAccessKeyRotator } from "../../src/rotators/ram-access-key/ram-access-key-rotator.ts";

export const handler = createRotationHandler({ rotators: [ramAccessKeyRotator] });
