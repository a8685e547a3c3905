/**
 * `@rotor/core/notify`: what Rotor announces and where it goes: the
 * rotation events (CloudEvents types and their data), the publisher to the
 * EventBridge bus a deployment names (ROTOR_EVENT_BUS), and the webhook
 * notifier (ROTOR_NOTIFY_URL).
 */

export * from "../contract/rotor-events.ts";
export * from "./event-bus-publisher.ts";
export * from "./webhook-notifier.ts";
