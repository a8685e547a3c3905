/**
 * EventBridge's own error codes, as its API answers them (HTTP 409 for the
 * bus codes, as in Alibaba's open-source EventBridge, apache/rocketmq-eventbridge).
 * Messages name the bus or event, never event data.
 */
import { CloudApiError } from "../api-error.ts";

export const eventBridgeErrors = {
  busNotExist: (name: string) =>
    new CloudApiError(409, "EventBusNotExist", `The event bus [${name}] not existed!`),
  busAlreadyExist: (name: string) =>
    new CloudApiError(409, "EventBusAlreadyExist", `The event bus [${name}] already existed!`),
  busNameInvalid: (name: string, why: string) =>
    new CloudApiError(
      409,
      "EventBusNameInvalid",
      `The event bus name [${name}] is invalid! ${why}`,
    ),
  busCountExceedLimit: (count: number, limit: number) =>
    new CloudApiError(
      409,
      "EventBusCountExceedLimit",
      `The current count of event bus is [${count}], which will exceed the limit quota [${limit}]`,
    ),
  /** UNCONFIRMED: the code the real service answers for an unknown event id. */
  eventNotExist: (eventId: string, name: string) =>
    new CloudApiError(
      409,
      "EventNotExist",
      `The event [${eventId}] of event bus [${name}] not existed!`,
    ),
};
