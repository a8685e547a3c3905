/**
 * `@rotor/core/scheduler`: which secrets are due and why (rotation policies, cron, time zones), the plan, the fan-out to the rotation functions, grace endings and reports of weakened tags.
 */
export * from "./cron.ts";
export * from "./due.ts";
export * from "./duration.ts";
export * from "./fan-out.ts";
export * from "./fc-client.ts";
export * from "./grace-endings.ts";
export * from "./outcome-tags.ts";
export * from "./overdue.ts";
export * from "./plan.ts";
export * from "./rate-limiter.ts";
export * from "./rotation-policy.ts";
export * from "./run-scheduler.ts";
export * from "./scheduler-run-failure.ts";
export * from "./tag-weakenings.ts";
export * from "./time-zone.ts";
export * from "./weakening-reports.ts";
