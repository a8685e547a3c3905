// FC entry point of the onFailure destination shared by the rotation functions.
import { createOnFailureHandler } from "../../src/scheduler/functions/on-failure-handler.ts";

export const handler = createOnFailureHandler();
