// FC entry point of the RAM AccessKey rotator's function (runtime nodejs20, handler index.handler).
// RAM is called as the function's role, like KMS: its keys come from context.credentials.
import { createRotationHandler } from "../../src/handler/create-rotation-handler.ts";
import type { FcContext } from "../../src/handler/fc-context.ts";
import { withInvocationCredentials } from "../../src/rotators/ram-access-key/ram-access-key-invocation.ts";
import { ramAccessKeyRotator } from "../../src/rotators/ram-access-key/ram-access-key-rotator.ts";

const rotationHandler = createRotationHandler({ rotators: [ramAccessKeyRotator] });

export const handler = (event: unknown, context: FcContext) =>
  withInvocationCredentials(context?.credentials ?? undefined, () =>
    rotationHandler(event, context),
  );
