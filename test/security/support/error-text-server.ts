/**
 * A rogue MySQL server on 127.0.0.1 that says only what its owner chose:
 * it answers every connection with one ERR packet (the server may send one
 * in place of its greeting, as a real one does for a host it will not
 * serve) carrying the given error text byte for byte, escape sequences,
 * line breaks and all. No credential is ever sent to it: the client hears
 * the refusal before it could log in. It counts the connections it refused.
 */
import { createServer, type Server } from "node:net";

export interface ErrorTextServer {
  host: string;
  port: number;
  /** Connections answered with the error. */
  connections: number;
  close(): Promise<void>;
}

/** MySQL's ER_HOST_NOT_PRIVILEGED, what a real server answers a host it will not serve. */
const HOST_NOT_PRIVILEGED = 1130;

export async function startErrorTextServer(message: string): Promise<ErrorTextServer> {
  const state = { connections: 0 };
  const server: Server = createServer((socket) => {
    state.connections++;
    socket.on("error", () => socket.destroy());
    socket.end(errPacket(HOST_NOT_PRIVILEGED, message));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    host: "127.0.0.1",
    port,
    get connections() {
      return state.connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One protocol packet: 3-byte little-endian length, sequence id 0, then 0xff, the code and the text. */
function errPacket(code: number, message: string): Buffer {
  const payload = Buffer.concat([
    Buffer.from([0xff, code & 0xff, code >> 8]),
    Buffer.from(message, "utf8"),
  ]);
  const header = Buffer.from([
    payload.length & 0xff,
    (payload.length >> 8) & 0xff,
    (payload.length >> 16) & 0xff,
    0,
  ]);
  return Buffer.concat([header, payload]);
}
