/**
 * A webhook on loopback that keeps every notification posted to it, for
 * tests of what Rotor announces (ROTOR_NOTIFY_URL).
 *
 * @example
 * const receiver = await startNotificationReceiver();
 * // … ROTOR_NOTIFY_URL: receiver.url, ROTOR_NOTIFY_FORMAT: "generic"
 * expect(receiver.received).toHaveLength(1);
 * await receiver.close();
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface NotificationReceiver {
  url: string;
  /** Each posted body, parsed as JSON, in arrival order. */
  received: unknown[];
  /** Resolves once `count` notifications have arrived in all. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startNotificationReceiver(): Promise<NotificationReceiver> {
  const received: unknown[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.end("ok");
      const ready = waiters.filter((waiter) => received.length >= waiter.count);
      waiters = waiters.filter((waiter) => received.length < waiter.count);
      for (const waiter of ready) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    waitFor(count) {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
