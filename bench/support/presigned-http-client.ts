/**
 * A lean client for measuring a server's own capacity: requests are signed
 * before the clock starts (with the test signer) and sent over a keep-alive
 * node:http agent, so almost all the time measured is the server's.
 */
import { Agent, request } from "node:http";
import type { RawRequest } from "../../test/local-cloud/support/test-signer.ts";

export function presignedSender(port: number, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const send = (raw: RawRequest) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: raw.method,
          path: raw.path,
          headers: { ...raw.headers, "content-length": String(Buffer.byteLength(raw.body)) },
          agent,
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(raw.body);
    });
  return { send, close: () => agent.destroy() };
}
