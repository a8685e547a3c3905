/**
 * One webhook POST to an address already checked (webhook-target.ts): the
 * connection goes to that address whatever DNS says by now, TLS still
 * checks the certificate against the URL's host name, and a redirect is an
 * answer like any other, never followed (a receiver could otherwise send
 * the value on to an address nobody checked). The answer's body is read up
 * to 64 KiB.
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { rootCertificates } from "node:tls";
import type { ResolvedAddress } from "./webhook-target.ts";

const MAX_ANSWER_BYTES = 64 * 1024;

export interface PinnedPost {
  url: URL;
  /** Where to connect: the address the target check resolved and approved. */
  address: ResolvedAddress;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Extra certificate authorities (PEM) to trust besides the built-in ones. */
  extraCa?: string | undefined;
}

export interface WebhookAnswer {
  status: number;
  body: string;
}

export function postPinned(post: PinnedPost): Promise<WebhookAnswer> {
  const { url, address } = post;
  // Node asks the lookup for every address (happy eyeballs) or for one: both get the pinned one.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) {
      (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [
        address,
      ]);
    } else {
      callback(null, address.address, address.family);
    }
  };
  const options: RequestOptions & { ca?: string[] } = {
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port === "" ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: { ...post.headers, "content-length": String(Buffer.byteLength(post.body)) },
    lookup: pinned,
    // One connection per call: a pooled socket could outlive the check it was made for.
    agent: false,
    signal: AbortSignal.timeout(post.timeoutMs),
  };
  if (post.extraCa !== undefined) options.ca = [...rootCertificates, post.extraCa];
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(options, (response) => {
      readCapped(response).then(
        (body) => resolve({ status: response.statusCode ?? 0, body }),
        reject,
      );
    });
    request.on("error", reject);
    request.end(post.body);
  });
}

function readCapped(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        response.destroy();
        resolve(Buffer.concat(chunks).toString("utf8"));
        return;
      }
      chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.on("error", reject);
  });
}
