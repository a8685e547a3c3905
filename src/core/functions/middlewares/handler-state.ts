/**
 * What the rotation middlewares leave for the handler, under namespaced
 * keys. middy hands the handler only (event, context), not the request, so
 * the state is kept per invocation keyed by its context object (unique to
 * one invocation) rather than on `request.internal`.
 */
import type { Request } from "@middy/core";
import { RotorError } from "@rotor/cloud-api";
import type { JsonLogger } from "../../engine/json-logger.ts";
import type { RotationRequest } from "../../engine/rotation-engine.ts";
import type { FcContext, FcCredentials } from "../fc-context.ts";

export interface HandlerState {
  "rotor.log"?: JsonLogger;
  "rotor.request"?: RotationRequest;
  "rotor.credentials"?: FcCredentials;
  "rotor.deadline"?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: FC events are Buffers, strings or objects; results are ours.
export type RotationMiddyRequest = Request<unknown, any, Error, any, Record<string, unknown>> & {
  context: FcContext;
};

const states = new WeakMap<object, HandlerState>();

/** The invocation's state, found by the context object both middlewares and handler see. */
export function stateOf(context: object): HandlerState {
  let found = states.get(context);
  if (!found) {
    found = {};
    states.set(context, found);
  }
  return found;
}

export function state(request: RotationMiddyRequest): HandlerState {
  return stateOf(request.context);
}

/** A value a middleware must have set before the handler runs. */
export function required<K extends keyof HandlerState>(
  context: object,
  key: K,
): NonNullable<HandlerState[K]> {
  const value = stateOf(context)[key];
  if (value === undefined)
    throw new RotorError(`Handler misconfigured: ${key} was not set by its middleware`);
  return value as NonNullable<HandlerState[K]>;
}
