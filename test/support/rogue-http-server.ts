/**
 * A rogue HTTP or HTTPS server on loopback: whatever Rotor presents to it
 * (method, path, headers, body) is recorded, so a test can assert that it
 * received nothing, or nothing but what it was entitled to. It answers
 * every request the same way: a status with a JSON body, or a redirect to
 * another address (https to plain http on an internal server, say).
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TestCertificates } from "../core/rotators/database/self-signed-certificate.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type RogueAnswer =
  | { status: number; json: unknown }
  | { redirectTo: string; status?: 301 | 302 | 303 | 307 | 308 };

export interface RogueServer {
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>`. */
  origin: string;
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Everything received, as one string: for "did any of it carry X" checks. */
  everything(): string;
  answer(with_: RogueAnswer): void;
  close(): Promise<void>;
}

export async function startRogueServer(
  options: { tls?: TestCertificates; answer?: RogueAnswer } = {},
): Promise<RogueServer> {
  const requests: RecordedRequest[] = [];
  let answer: RogueAnswer = options.answer ?? { status: 200, json: { ok: true } };
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: { ...request.headers },
        body: Buffer.concat(chunks).toString("utf8"),
      });
      if ("redirectTo" in answer) {
        response.writeHead(answer.status ?? 307, { location: answer.redirectTo });
        response.end();
        return;
      }
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(JSON.stringify(answer.json));
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.certificate, key: options.tls.key }, handle)
    : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    everything: () => JSON.stringify(requests),
    answer(with_) {
      answer = with_;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
