/**
 * EventBridge (API 2020-04-01, the control plane's RPC actions) in the
 * local cloud: event buses, PutEvents, and the query API a user reads
 * events back with (QueryTracedEvents, QueryEvent). Events and buses are
 * kept in the state folder and survive a restart.
 *
 * Every action asks RAM first (`eventbridge:<Action>` on the bus's ARN,
 * `acs:eventbridge:{region}:{account}:eventbus/{name}`; ListEventBuses on
 * `…:eventbus/*`), before it looks the bus up, so a caller without access
 * learns nothing about which buses exist. Answers have the service's
 * envelope: `Code` "200", `Success` true and the result under `Data`.
 * There are no rules or targets: events are kept, not delivered.
 */
import { cloudErrors } from "../api-error.ts";
import { optionalInteger, optionalString, type RawParams, requiredString } from "../params.ts";
import type { ActionContext, ActionHandler, Product } from "../product.ts";
import type { ProductDeps } from "../product-deps.ts";
import { busArn, busNameProblem, DEFAULT_BUS, isBusName } from "./event-bus-name.ts";
import { type BusRecord, EventBuses } from "./event-buses.ts";
import { captureEvent } from "./event-capture.ts";
import { checkEntry, parseEventList } from "./event-entry.ts";
import { EventLog, type EventRecord } from "./event-log.ts";
import { eventBridgeErrors } from "./eventbridge-errors.ts";

export const EVENTBRIDGE_API_VERSION = "2020-04-01";

const MAX_PAGE = 100;
const DEFAULT_PAGE = 10;
const MAX_DESCRIPTION_BYTES = 255;

/** Opens the buses and events in the state folder and returns the product. */
export async function openEventBridge(deps: ProductDeps): Promise<Product> {
  const now = deps.options.now ?? Date.now;
  const buses = await EventBuses.open(await deps.openStore<BusRecord>("eventbridge/buses"), now());
  const events = EventLog.open(await deps.openStore<EventRecord>("eventbridge/events"));
  return createEventBridgeProduct({
    region: deps.region,
    accountId: deps.accountId,
    buses,
    events,
  });
}

interface EventBridgeDeps {
  region: string;
  accountId: string;
  buses: EventBuses;
  events: EventLog;
}

function createEventBridgeProduct(deps: EventBridgeDeps): Product {
  const { buses, events } = deps;
  const arnOf = (name: string) => busArn(deps.region, deps.accountId, name);

  /** The bus an action names, authorized, and existing. */
  const busFor = (ctx: ActionContext, ramAction: string): BusRecord => {
    const name = requiredString(ctx.params, "EventBusName", { maxLength: 127 });
    ctx.authorize(ramAction, arnOf(name));
    if (!isBusName(name)) throw eventBridgeErrors.busNotExist(name);
    return buses.require(name);
  };

  const succeeded = (data?: unknown) => ({ Code: "200", Success: true, Data: data });

  const PutEvents: ActionHandler = async (ctx) => {
    const bus = busFor(ctx, "eventbridge:PutEvents");
    const raw = ctx.params.EventList;
    if (raw === undefined || raw === "") throw cloudErrors.missingParameter("EventList");
    const entries = parseEventList(raw);
    const results: Record<string, unknown>[] = [];
    // In order, so events received together keep the order they were sent in.
    for (const entry of entries) {
      const check = checkEntry(entry);
      if (!check.ok) {
        results.push({
          EventId: check.id,
          ErrorCode: check.errorCode,
          ErrorMessage: check.errorMessage,
        });
        continue;
      }
      const appended = await events.append(bus.name, check.event, ctx.now);
      if (appended.outcome === "conflict") {
        results.push({
          EventId: check.event.id,
          ErrorCode: "EventIdDuplicated",
          ErrorMessage: `An event with this source and id is already on the event bus [${bus.name}] with other content; source and id together must be unique.`,
        });
        continue;
      }
      captureEvent(appended.record);
      results.push({ EventId: appended.record.id, TraceId: appended.record.traceId });
    }
    return succeeded({
      FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
      EntryList: results,
    });
  };

  const QueryTracedEvents: ActionHandler = async (ctx) => {
    const bus = busFor(ctx, "eventbridge:QueryTracedEvents");
    const startTime = requiredTime(ctx.params, "StartTime");
    const endTime = requiredTime(ctx.params, "EndTime");
    if (startTime > endTime) throw cloudErrors.invalidParameter("StartTime", "is after EndTime");
    const limit = optionalInteger(ctx.params, "Limit", { min: 1, max: MAX_PAGE }) ?? DEFAULT_PAGE;
    const offset = pageToken(ctx.params);
    // The local cloud has no rules: no event matched one.
    const matchedRule = optionalString(ctx.params, "MatchedRule");
    const matching =
      matchedRule === undefined
        ? events.query(bus.name, {
            startTime,
            endTime,
            source: optionalString(ctx.params, "EventSource"),
            type: optionalString(ctx.params, "EventType"),
            subject: optionalString(ctx.params, "Subject"),
          })
        : [];
    const page = matching.slice(offset, offset + limit);
    return succeeded({
      Events: page.map((record) => ({
        EventBusName: record.bus,
        EventId: record.id,
        EventReceivedTime: record.receivedAt,
        EventSource: record.source,
        EventType: record.type,
      })),
      NextToken: offset + limit < matching.length ? String(offset + limit) : undefined,
      Total: matching.length,
    });
  };

  const QueryEvent: ActionHandler = async (ctx) => {
    const bus = busFor(ctx, "eventbridge:QueryEvent");
    const eventId = requiredString(ctx.params, "EventId", { maxLength: 1024 });
    const source = optionalString(ctx.params, "EventSource");
    // As documented: on the default bus the event's source is required.
    if (bus.name === DEFAULT_BUS && source === undefined) {
      throw cloudErrors.missingParameter("EventSource");
    }
    const record = events.find(bus.name, eventId, source);
    if (record === undefined) throw eventBridgeErrors.eventNotExist(eventId, bus.name);
    return succeeded(cloudEventOf(record, deps));
  };

  const CreateEventBus: ActionHandler = async (ctx) => {
    const name = requiredString(ctx.params, "EventBusName", { maxLength: 255 });
    const description =
      optionalString(ctx.params, "Description", { maxLength: MAX_DESCRIPTION_BYTES }) ?? "";
    ctx.authorize("eventbridge:CreateEventBus", arnOf(name));
    if (name === DEFAULT_BUS) throw eventBridgeErrors.busAlreadyExist(name);
    const problem = busNameProblem(name);
    if (problem !== undefined) throw eventBridgeErrors.busNameInvalid(name, problem);
    await buses.create(name, description, ctx.now);
    return succeeded({ EventBusARN: arnOf(name) });
  };

  const GetEventBus: ActionHandler = async (ctx) => {
    const bus = busFor(ctx, "eventbridge:GetEventBus");
    return succeeded(busOf(bus));
  };

  const ListEventBuses: ActionHandler = async (ctx) => {
    ctx.authorize("eventbridge:ListEventBuses", arnOf("*"));
    const prefix = optionalString(ctx.params, "NamePrefix", { maxLength: 127 }) ?? "";
    const limit = optionalInteger(ctx.params, "Limit", { min: 1, max: MAX_PAGE }) ?? DEFAULT_PAGE;
    const offset = pageToken(ctx.params);
    const matching = buses.list().filter((bus) => bus.name.startsWith(prefix));
    return succeeded({
      EventBuses: matching.slice(offset, offset + limit).map(busOf),
      NextToken: offset + limit < matching.length ? String(offset + limit) : undefined,
      Total: matching.length,
    });
  };

  const DeleteEventBus: ActionHandler = async (ctx) => {
    const bus = busFor(ctx, "eventbridge:DeleteEventBus");
    if (bus.name === DEFAULT_BUS) {
      throw cloudErrors.invalidParameter("EventBusName", "the default event bus cannot be deleted");
    }
    await buses.delete(bus.name);
    await events.deleteBus(bus.name);
    return succeeded();
  };

  const busOf = (bus: BusRecord) => ({
    EventBusARN: arnOf(bus.name),
    EventBusName: bus.name,
    Description: bus.description,
    CreateTimestamp: bus.createdAt,
  });

  return {
    code: "eventbridge",
    apiVersion: EVENTBRIDGE_API_VERSION,
    actions: {
      PutEvents,
      QueryTracedEvents,
      QueryEvent,
      CreateEventBus,
      GetEventBus,
      ListEventBuses,
      DeleteEventBus,
    },
  };
}

/**
 * An event as QueryEvent answers it: the CloudEvent's attributes in lower
 * case (CloudEvents' JSON format) and EventBridge's `aliyun…` extensions.
 */
function cloudEventOf(
  record: EventRecord,
  where: { region: string; accountId: string },
): Record<string, unknown> {
  const event: Record<string, unknown> = {
    id: record.id,
    source: record.source,
    type: record.type,
    specversion: record.specVersion,
    time: record.time,
  };
  if (record.subject !== undefined) event.subject = record.subject;
  if (record.dataContentType !== undefined) event.datacontenttype = record.dataContentType;
  if (record.dataSchema !== undefined) event.dataschema = record.dataSchema;
  if (record.hasData) event.data = record.data;
  event.aliyuneventbusname = record.bus;
  event.aliyunaccountid = where.accountId;
  event.aliyunregionid = where.region;
  event.aliyunpublishtime = new Date(record.receivedAt).toISOString();
  return event;
}

/** A time parameter in epoch milliseconds. */
function requiredTime(params: RawParams, name: string): number {
  const value = optionalInteger(params, name, { min: 0, max: Number.MAX_SAFE_INTEGER });
  if (value === undefined) throw cloudErrors.missingParameter(name);
  return value;
}

/** NextToken: where the previous page ended (the count of entries before this page). */
function pageToken(params: RawParams): number {
  const token = optionalString(params, "NextToken");
  if (token === undefined) return 0;
  if (!/^\d{1,9}$/.test(token)) {
    throw cloudErrors.invalidParameter("NextToken", "is not a token this API returned");
  }
  return Number(token);
}
