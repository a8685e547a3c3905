import { escapeControlsInJson, scrubUntrustedText } from "@rotor/core";
import { EventBridgeClient, readEnv } from "@rotor/core/cloud-api";
import { envCredentials } from "@rotor/core/functions";
import { type BusEvent, followBusEvents, readBusEvents } from "../bus-event-reader.ts";
import { type CliIo, type Command, EXIT } from "../command.ts";
import { parseFlags, UsageError } from "../parse-flags.ts";

const DEFAULT_SINCE = "24h";
const FOLLOW_INTERVAL_MS = 2_000;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** Longest text shown for a field, and for an event's data, in the text form. */
const FIELD_LENGTH = 256;
const DATA_LENGTH = 2_048;

export const eventsCommand: Command = {
  name: "events",
  summary: "Print the events an EventBridge bus received, oldest first",
  help: `Usage: rotor events [--bus NAME] [--since TIME] [--type T] [--source S] [--json] [--follow]

Prints the events an EventBridge event bus received, oldest first, read
through EventBridge's query API as any user of the service reads them
(QueryTracedEvents for the list, QueryEvent for each event's content):
the local cloud's bus with ROTOR_ENDPOINT set, the real service's
otherwise. Each line shows the event's time, type, subject, source, id and
data, and nothing else; text the event carries is shown scrubbed (one line,
no control characters, long data cut).

Rotor's functions publish to the bus their ROTOR_EVENT_BUS names, with
source rotor and the secret's name as subject: rotor.rotation.started,
.succeeded, .failed, .taken-over, .emergency-revoked, .overdue, .disabled,
.weakened, and rotor.grace-period.ended (docs/events.md).

Options:
  --bus NAME    the event bus (default: ROTOR_EVENT_BUS when set, else default)
  --since TIME  events the bus received from TIME on: an RFC 3339 time
                (2024-06-01T08:00:00Z) or a duration ago (30m, 6h, 7d);
                default ${DEFAULT_SINCE}
  --type T      only events of type T, e.g. rotor.rotation.failed
  --source S    only events from source S, e.g. rotor
  --json        JSON: an array of events; with --follow, one event per line
  --follow      keep printing events as they arrive (polls every 2 s) until
                interrupted (Ctrl-C)
  -h, --help    show this help

Reading needs eventbridge:QueryTracedEvents and eventbridge:QueryEvent on
acs:eventbridge:{region}:{account}:eventbus/{name}.

Exit codes: 0 shown (also when there is none), 1 the bus could not be read
(no such bus, no permission), 2 bad command line.`,

  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      bus: { type: "string" },
      since: { type: "string" },
      type: { type: "string" },
      source: { type: "string" },
      json: { type: "boolean" },
      follow: { type: "boolean" },
    });
    if (positionals.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    }
    const query = {
      busName: nonEmpty(values.bus, "--bus") ?? readEnv("ROTOR_EVENT_BUS", io.env) ?? "default",
      since: sinceTime(values.since ?? DEFAULT_SINCE),
      type: nonEmpty(values.type, "--type"),
      source: nonEmpty(values.source, "--source"),
    };
    const client = new EventBridgeClient({ credentials: envCredentials(io.env), env: io.env });
    if (values.follow) {
      await follow(client, query, io, values.json === true);
      return EXIT.ok;
    }
    const events = await readBusEvents(client, query);
    if (values.json) {
      io.out(escapeControlsInJson(JSON.stringify(events, null, 2)));
    } else if (events.length === 0) {
      io.out(
        `no events on bus ${JSON.stringify(query.busName)} since ${new Date(query.since).toISOString()}`,
      );
    } else {
      for (const event of events) io.out(textLine(event));
    }
    return EXIT.ok;
  },
};

/** Prints events as they arrive until SIGINT or SIGTERM. */
async function follow(
  client: EventBridgeClient,
  query: Parameters<typeof readBusEvents>[1],
  io: CliIo,
  json: boolean,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  io.err(
    `following bus ${JSON.stringify(query.busName)} from ${new Date(query.since).toISOString()}; Ctrl-C stops`,
  );
  try {
    await followBusEvents(
      client,
      query,
      (event) => io.out(json ? escapeControlsInJson(JSON.stringify(event)) : textLine(event)),
      { intervalMs: FOLLOW_INTERVAL_MS, signal: stop.signal },
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** `TIME  TYPE  SUBJECT  source=S  id=I  data={…}`, every part scrubbed. */
function textLine(event: BusEvent): string {
  const field = (text: string | undefined) =>
    scrubUntrustedText(text ?? "-", { maxLength: FIELD_LENGTH });
  const parts = [
    field(event.time ?? event.receivedTime),
    field(event.type),
    field(event.subject),
    `source=${field(event.source)}`,
    `id=${field(event.id)}`,
  ];
  if (event.data !== undefined) {
    const data = typeof event.data === "string" ? event.data : JSON.stringify(event.data);
    parts.push(`data=${scrubUntrustedText(data, { maxLength: DATA_LENGTH })}`);
  }
  return parts.join("  ");
}

/** `--since`: an RFC 3339 time, or a duration before now. */
export function sinceTime(text: string, now: number = Date.now()): number {
  const duration = /^(\d{1,6})([smhdw])$/.exec(text);
  if (duration) return now - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
  const time = Date.parse(text);
  if (!rfc3339.test(text) || Number.isNaN(time)) {
    throw new UsageError(
      `--since expects an RFC 3339 time (2024-06-01T08:00:00Z) or a duration such as 30m, 6h or 7d; got ${JSON.stringify(text)}`,
    );
  }
  return time;
}

function nonEmpty(value: string | undefined, flag: string): string | undefined {
  if (value === "") throw new UsageError(`${flag} needs a value`);
  return value;
}
