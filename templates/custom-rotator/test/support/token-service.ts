/**
 * A stand-in for the HTTP service whose token the rotator rotates, on a
 * loopback port: it accepts the tokens it has issued (`Authorization:
 * Bearer <token>`), adds one when asked with a valid one, and deletes one
 * likewise. In your own project, start your service's test instance (or a
 * fake of it) here instead.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface TokenService {
  url: string;
  /** Issues a token the service accepts, as an administrator would. */
  issueToken(): string;
  /** Whether the service accepts `token` now. */
  accepts(token: string): boolean;
  close(): Promise<void>;
}

export async function startTokenService(): Promise<TokenService> {
  const valid = new Set<string>();

  const bearer = (request: IncomingMessage) =>
    /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  const readToken = async (request: IncomingMessage) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    const { token } = JSON.parse(body) as { token?: unknown };
    return typeof token === "string" && token.length >= 20 ? token : undefined;
  };
  const answer = (response: ServerResponse, status: number) => {
    response.statusCode = status;
    response.end();
  };

  const server = createServer(async (request, response) => {
    const caller = bearer(request);
    if (caller === undefined || !valid.has(caller)) return answer(response, 401);
    if (request.method === "GET" && request.url === "/whoami") return answer(response, 200);
    if (request.url !== "/tokens") return answer(response, 404);
    const token = await readToken(request).catch(() => undefined);
    if (token === undefined) return answer(response, 400);
    if (request.method === "POST") valid.add(token);
    else if (request.method === "DELETE") valid.delete(token);
    else return answer(response, 405);
    answer(response, 204);
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    issueToken() {
      const token = randomBytes(32).toString("base64url");
      valid.add(token);
      return token;
    },
    accepts: (token) => valid.has(token),
    close: () => new Promise((done) => server.close(() => done())),
  };
}
