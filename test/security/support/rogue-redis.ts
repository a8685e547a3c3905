/**
 * A Redis server that an attacker runs to collect passwords: it speaks
 * RESP (arrays of bulk strings in, simple replies out, as Redis's protocol
 * specification describes), takes every `AUTH [user] password` and every
 * `HELLO … AUTH user password` (recording the password), answers +OK so the
 * client believes it logged in, and records every command sent after it
 * (an `ACL SETUSER` would carry a new password's hash), answering each with
 * an error so a client never mistakes it for a working server. Plain TCP.
 */
import { createServer, type Socket } from "node:net";
import { type RogueLog, type RogueServer, rogueLog } from "./rogue-record.ts";

export async function startRogueRedis(): Promise<RogueServer> {
  const log = rogueLog();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    log.record({ kind: "connection", what: "redis" });
    serve(socket, log);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    host: "127.0.0.1",
    port: address.port,
    events: log.events,
    captured: log.captured,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function serve(socket: Socket, log: RogueLog): void {
  let buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const parsed = readCommand(buffer);
      if (parsed === "incomplete") return;
      if (parsed === "invalid") return void socket.destroy();
      buffer = buffer.subarray(parsed.length);
      socket.write(answer(parsed.args, log));
    }
  });
}

/** What the rogue records of a command, and its reply. */
function answer(args: string[], log: RogueLog): string {
  const name = (args[0] ?? "").toUpperCase();
  if (name === "AUTH") {
    const [user, password] = args.length >= 3 ? [args[1], args[2]] : ["default", args[1]];
    log.record({ kind: "credential", what: `password of ${user}` }, password ?? "");
    return "+OK\r\n";
  }
  if (name === "HELLO") {
    const auth = args.findIndex((arg) => arg.toUpperCase() === "AUTH");
    if (auth > 0) {
      log.record(
        { kind: "credential", what: `password of ${args[auth + 1]}` },
        args[auth + 2] ?? "",
      );
    }
    // Refuses RESP3, so a client goes on with AUTH over RESP2.
    return "-NOPROTO unsupported protocol version\r\n";
  }
  const subcommand = args.length > 1 && /^[A-Za-z]+$/.test(args[1] ?? "") ? ` ${args[1]}` : "";
  log.record({ kind: "command", what: `${name}${subcommand.toUpperCase()}` }, args.join(" "));
  return "-ERR not a real server\r\n";
}

/** One RESP array of bulk strings (or an inline command) from the start of `data`. */
function readCommand(data: Buffer): { args: string[]; length: number } | "incomplete" | "invalid" {
  const lineEnd = (from: number) => {
    const at = data.indexOf("\r\n", from);
    return at < 0 ? undefined : at;
  };
  const first = lineEnd(0);
  if (first === undefined) return "incomplete";
  if (data[0] !== 0x2a /* "*" */) {
    // An inline command: words on one line.
    const words = data.subarray(0, first).toString("utf8").trim().split(/\s+/);
    return { args: words.filter((word) => word !== ""), length: first + 2 };
  }
  const count = Number(data.subarray(1, first).toString("latin1"));
  if (!Number.isInteger(count) || count < 0 || count > 1024) return "invalid";
  const args: string[] = [];
  let at = first + 2;
  for (let index = 0; index < count; index++) {
    const end = lineEnd(at);
    if (end === undefined) return "incomplete";
    if (data[at] !== 0x24 /* "$" */) return "invalid";
    const size = Number(data.subarray(at + 1, end).toString("latin1"));
    if (!Number.isInteger(size) || size < 0 || size > 1 << 20) return "invalid";
    const start = end + 2;
    if (data.length < start + size + 2) return "incomplete";
    args.push(data.subarray(start, start + size).toString("utf8"));
    at = start + size + 2;
  }
  return { args, length: at };
}
