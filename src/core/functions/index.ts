/**
 * `@rotor/core/functions`: the FC handlers, to build a function of your own
 * (`createRotationHandler({ rotators: [myRotator] })`), and running a
 * rotation outside FC as the CLI does. Each built-in function is its own
 * entry, `@rotor/core/functions/<name>`.
 */
export * from "./create-rotation-handler.ts";
export * from "./env-credentials.ts";
export * from "./fc-context.ts";
export * from "./on-failure-handler.ts";
export * from "./rotation-event.ts";
export * from "./run-rotation.ts";
export * from "./scheduler-handler.ts";
