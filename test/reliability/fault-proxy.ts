/**
 * A TCP proxy on loopback in front of a real server (MariaDB, PostgreSQL,
 * sshd) that turns into a hostile network on demand: it delays every
 * chunk, cuts each connection after a number of bytes from the server, or
 * refuses connections. Real faults on real sockets, not a mock.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export type ProxyFault =
  | { kind: "none" }
  /** Each chunk, both ways, waits this long. */
  | { kind: "delay"; ms: number }
  /** A connection is cut once the server has sent this many bytes through it. */
  | { kind: "cut-after"; serverBytes: number }
  /** A connection is closed as soon as it opens. */
  | { kind: "refuse" };

export interface FaultProxy {
  host: string;
  port: number;
  fault: ProxyFault;
  /** Connections opened through the proxy so far. */
  connections: number;
  /** Connections the proxy has cut (a `cut-after` fault reached its byte count). */
  cuts: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    host: "127.0.0.1",
    port: 0,
    fault: { kind: "none" },
    connections: 0,
    cuts: 0,
    close: async () => {},
  };
  const server: Server = createServer((client) => {
    proxy.connections += 1;
    const fault = proxy.fault; // a connection keeps the fault it was opened under
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (fault.kind === "refuse") {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    let fromServer = 0;
    const forward = (from: Socket, to: Socket, isServer: boolean) => {
      from.on("data", (chunk: Buffer) => {
        const send = () => {
          if (to.destroyed) return;
          if (isServer && fault.kind === "cut-after") {
            const room = fault.serverBytes - fromServer;
            fromServer += chunk.length;
            if (room <= 0 || chunk.length >= room) {
              if (room > 0) to.write(chunk.subarray(0, room));
              if (!client.destroyed) proxy.cuts += 1;
              client.destroy();
              upstream.destroy();
              return;
            }
          }
          to.write(chunk);
        };
        if (fault.kind === "delay") setTimeout(send, fault.ms);
        else send();
      });
    };
    forward(client, upstream, false);
    forward(upstream, client, true);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  proxy.port = typeof address === "object" && address ? address.port : 0;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
