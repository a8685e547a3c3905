/**
 * An SSH server that an attacker runs to collect logins (ssh2's Server with
 * a host key of its own, whose fingerprint the attacker can write into a
 * secret): it records every password offered, every public key offered,
 * accepts the login, and records every command and what is fed to its
 * standard input (chpasswd would get `user:password` there). Commands end
 * with exit status 0, as if they had worked.
 */
import ssh2 from "ssh2";
import { fingerprintOfHostKey } from "../../../src/core/rotators/ecs/ecs-host-key-fingerprint.ts";
import { type RogueServer, rogueLog } from "./rogue-record.ts";

export interface RogueSshServer extends RogueServer {
  /** The rogue's own host key, as `ssh-keygen -l -E sha256` prints it. */
  hostKeyFingerprint: string;
}

export async function startRogueSsh(): Promise<RogueSshServer> {
  const log = rogueLog();
  const hostKey = ssh2.utils.generateKeyPairSync("ed25519");
  const parsed = ssh2.utils.parseKey(hostKey.public);
  if (parsed instanceof Error) throw parsed;
  const publicKey = Array.isArray(parsed) ? parsed[0] : parsed;
  const clients = new Set<ssh2.Connection>();
  const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    clients.add(client);
    client.on("close", () => clients.delete(client));
    client.on("error", () => undefined);
    log.record({ kind: "connection", what: "ssh" });
    client.on("authentication", (context) => {
      if (context.method === "password") {
        log.record(
          { kind: "credential", what: `password of ${context.username}` },
          context.password,
        );
        return context.accept();
      }
      if (context.method === "publickey") {
        log.record(
          { kind: "credential", what: `public key of ${context.username}` },
          context.key.data.toString("base64"),
        );
        return context.accept();
      }
      context.reject(["password", "publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        session.on("exec", (acceptExec, _reject, info) => {
          log.record(
            { kind: "command", what: info.command.split(/\s+/, 1)[0] ?? "" },
            info.command,
          );
          const stream = acceptExec();
          const input: Buffer[] = [];
          stream.on("data", (data: Buffer) => input.push(data));
          stream.on("end", () => {
            if (input.length > 0) {
              log.record({ kind: "command", what: "stdin" }, Buffer.concat(input).toString("utf8"));
            }
            stream.exit(0);
            stream.end();
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    host: "127.0.0.1",
    port: address.port,
    hostKeyFingerprint: fingerprintOfHostKey(publicKey?.getPublicSSH() as Buffer),
    events: log.events,
    captured: log.captured,
    close: () =>
      new Promise((resolve) => {
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
}
