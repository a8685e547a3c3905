// FC entry point of the onFailure destination shared by the rotation functions.
export { handler } from "@rotor/core/functions/on-failure";
