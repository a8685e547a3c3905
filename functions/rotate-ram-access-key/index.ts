// FC entry point of the RAM AccessKey rotator's function (runtime nodejs20, handler index.handler).
// RAM is called as the function's role, like KMS: its keys come from context.credentials.
export { handler } from "@rotor/core/functions/rotate-ram-access-key";
