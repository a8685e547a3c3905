/**
 * Publishes Rotor's events (rotor-events.ts) as CloudEvents 1.0 to the
 * EventBridge bus the deployment names (ROTOR_EVENT_BUS, see
 * src/core/contract/event-bus.ts), through EventBridge's PutEvents.
 *
 * A publisher serves one invocation. `publish` queues and returns at once;
 * events go out in the background, in order, as many a call as arrive
 * while the previous call is under way, so a rotation's `started` is on
 * the bus while the rotation runs. `flush` waits for the queue before the
 * invocation returns (FC may freeze it afterwards).
 *
 * Publishing never fails or changes what it announces. When the bus does
 * not take the events (no such bus, no permission, the endpoint down),
 * the events after the first refusal are not sent (each would fail the
 * same way and cost the invocation's time), and `flush` writes one warning
 * line, `events-not-published`, naming the bus, the types left unsent and
 * the error's code or class: never a value, never a message.
 */
import { randomUUID } from "node:crypto";
import type { AccessKeyCredentials, Env } from "@rotor/cloud-api";
import { ApiError, type CloudEventInput, EventBridgeClient } from "@rotor/cloud-api";
import { eventBusFromEnv } from "../contract/event-bus.ts";
import {
  ROTOR_EVENT_SOURCE,
  type RotorEvent,
  type RotorEventSink,
} from "../contract/rotor-events.ts";
import { scrubUntrustedText } from "../contract/untrusted-text.ts";

/** Writes one warning log line. */
export type WarnLine = (event: string, fields: Record<string, unknown>) => void;

export interface EventBusPublisherOptions {
  busName: string;
  client: EventBridgeClient;
  warn: WarnLine;
}

/**
 * Short bounds: an announcement may cost a rotation a few seconds at
 * worst, never its deadline.
 */
const PUBLISH_CLIENT = {
  retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1_000 },
  timeoutMs: 5_000,
  connectTimeoutMs: 2_000,
} as const;

export class EventBusPublisher implements RotorEventSink {
  readonly busName: string;
  private readonly client: EventBridgeClient;
  private readonly warn: WarnLine;
  private queue: CloudEventInput[] = [];
  private sending: Promise<void> | undefined;
  /** Types of the events the bus did not take since the last flush. */
  private unsent: string[] = [];
  /** Why the bus refused a whole call: once set, nothing more is sent. */
  private refusal: string | undefined;
  /** Codes the bus gave single events it refused. */
  private entryErrors = new Set<string>();

  constructor(options: EventBusPublisherOptions) {
    this.busName = options.busName;
    this.client = options.client;
    this.warn = options.warn;
  }

  publish(event: RotorEvent): void {
    this.queue.push(cloudEventOf(event));
    this.sending ??= this.drain();
  }

  /** Waits until every queued event is sent or given up; logs one line if any was not published. */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.unsent.length === 0) return;
    const error = this.refusal ?? [...this.entryErrors].join(",");
    this.warn("events-not-published", {
      bus: this.busName,
      unsent: this.unsent.length,
      types: [...new Set(this.unsent)],
      error,
    });
    this.unsent = [];
    this.entryErrors.clear();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0);
        await this.send(batch);
      }
    } finally {
      this.sending = undefined;
    }
  }

  private async send(batch: CloudEventInput[]): Promise<void> {
    if (this.refusal !== undefined) {
      this.unsent.push(...batch.map((event) => event.type));
      return;
    }
    try {
      const result = await this.client.putEvents(this.busName, batch);
      result.events.forEach((published, index) => {
        if (published.errorCode === undefined) return;
        this.unsent.push(batch[index]?.type ?? "unknown");
        this.entryErrors.add(errorCodeText(published.errorCode));
      });
    } catch (error) {
      this.refusal = errorCodeText(
        error instanceof ApiError ? error.code : (error as Error).name || "Error",
      );
      this.unsent.push(...batch.map((event) => event.type));
    }
  }
}

export interface PublisherFromEnvOptions {
  env?: Env | undefined;
  /** The function's own credentials (FC's context.credentials); absent: the standard chain. */
  credentials?: AccessKeyCredentials | undefined;
  region?: string | undefined;
  warn: WarnLine;
}

/**
 * The publisher the environment configures, or undefined when
 * ROTOR_EVENT_BUS is unset: then nothing is published and no call made. A
 * malformed bus name is logged once and publishes nothing; it does not
 * stop the work it would have announced.
 */
export function publisherFromEnv(options: PublisherFromEnvOptions): EventBusPublisher | undefined {
  const env = options.env ?? process.env;
  let busName: string | undefined;
  try {
    busName = eventBusFromEnv(env);
  } catch (error) {
    options.warn("events-not-configured", { error: (error as Error).message });
    return undefined;
  }
  if (busName === undefined) return undefined;
  return new EventBusPublisher({
    busName,
    warn: options.warn,
    client: new EventBridgeClient({
      ...PUBLISH_CLIENT,
      env,
      region: options.region,
      credentials: options.credentials,
    }),
  });
}

/** The CloudEvent for one of Rotor's events. */
export function cloudEventOf(event: RotorEvent): CloudEventInput {
  return {
    id: event.id ?? randomUUID(),
    source: ROTOR_EVENT_SOURCE,
    type: event.type,
    subject: event.secretName,
    time: new Date(event.time).toISOString(),
    dataContentType: "application/json",
    data: event.data,
  };
}

/** A code the bus (or whatever answered in its place) chose: one short line. */
function errorCodeText(code: string): string {
  return scrubUntrustedText(code, { maxLength: 128 });
}
