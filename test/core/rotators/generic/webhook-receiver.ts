/**
 * A real HTTP service on 127.0.0.1 that plays the generic rotator's webhook
 * target: it checks the HMAC signature, remembers values it was told to
 * `set` (the rotated value alone, as Rotor sends it), and answers `test`
 * with ok only for a value it holds. Its `origin` is what a deployment
 * lists in ROTOR_WEBHOOK_ORIGINS to let Rotor call it.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";

export interface WebhookReceiver {
  url: string;
  /** `http://127.0.0.1:<port>`, for ROTOR_WEBHOOK_ORIGINS. */
  origin: string;
  /** Values the service accepts (set by `set`, or seeded). */
  accepted: Set<string>;
  /** Every request's action, the rotation's token, and whether its signature was valid. */
  requests: { action: string; versionId: string; signed: boolean }[];
  /** Answer the next n requests with this status instead. */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(key: string): Promise<WebhookReceiver> {
  const accepted = new Set<string>();
  const requests: WebhookReceiver["requests"] = [];
  let failures = 0;
  let failStatus = 500;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(request.headers["x-rotor-timestamp"] ?? "");
      const given = Buffer.from(String(request.headers["x-rotor-signature"] ?? ""));
      const expected = Buffer.from(
        `sha256=${createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex")}`,
      );
      const signed = given.length === expected.length && timingSafeEqual(given, expected);
      const call = JSON.parse(body) as { action: string; versionId: string; value: string };
      requests.push({ action: call.action, versionId: call.versionId, signed });
      const answer = (status: number, ok: boolean) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify({ ok }));
      };
      if (failures > 0) {
        failures--;
        return answer(failStatus, false);
      }
      if (!signed) return answer(401, false);
      if (call.action === "set") {
        accepted.add(call.value);
        return answer(200, true);
      }
      return answer(200, accepted.has(call.value));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/rotate`,
    origin: `http://127.0.0.1:${port}`,
    accepted,
    requests,
    failNext(count, status) {
      failures = count;
      failStatus = status;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
