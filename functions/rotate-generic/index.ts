// FC entry point of the generic rotator's function (runtime nodejs20, handler index.handler).
export { handler } from "@rotor/core/functions/rotate-generic";
