/**
 * ACS3-HMAC-SHA256 (signature V3): what `@alicloud/openapi-client` sends by
 * default. The server rebuilds the canonical request from what arrived and
 * compares HMACs in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { CloudApiError } from "../api-error.ts";
import { percentEncode } from "./percent-encode.ts";
import type { SignedRequest } from "./signed-request.ts";

export const V3_ALGORITHM = "ACS3-HMAC-SHA256";

export interface V3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Headers a V3 request must sign, so none of them can be swapped in transit. */
const REQUIRED_SIGNED_HEADERS = [
  "host",
  "x-acs-action",
  "x-acs-version",
  "x-acs-date",
  "x-acs-signature-nonce",
  "x-acs-content-sha256",
];

const incomplete = (why: string) =>
  new CloudApiError(
    400,
    "IncompleteSignature",
    `The request signature does not conform to Aliyun standards: ${why}`,
  );

export function parseV3Authorization(header: string): V3Authorization {
  const [algorithm, rest] = splitOnce(header.trim(), " ");
  if (algorithm !== V3_ALGORITHM) {
    throw incomplete(
      `unsupported signature algorithm ${JSON.stringify(algorithm)}; expected ${V3_ALGORITHM}`,
    );
  }
  const fields = new Map<string, string>();
  for (const part of (rest ?? "").split(",")) {
    const [name, value] = splitOnce(part.trim(), "=");
    if (name && value !== undefined) fields.set(name, value);
  }
  const accessKeyId = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!accessKeyId || !signedHeaders || !signature) {
    throw incomplete("the Authorization header needs Credential, SignedHeaders and Signature");
  }
  return { accessKeyId, signedHeaders: signedHeaders.split(";"), signature };
}

/** Checks the request's shape, then returns the exact string the client must have signed. */
export function v3StringToSign(request: SignedRequest, auth: V3Authorization): string {
  for (const required of REQUIRED_SIGNED_HEADERS) {
    if (request.headers[required] === undefined)
      throw incomplete(`the header ${required} is missing`);
    if (!auth.signedHeaders.includes(required))
      throw incomplete(`the header ${required} must be signed`);
  }
  for (const name of Object.keys(request.headers)) {
    if (name.startsWith("x-acs-") && !auth.signedHeaders.includes(name)) {
      throw incomplete(`the header ${name} must be signed`);
    }
  }
  const sortedSignedHeaders = [...auth.signedHeaders].sort();
  if (sortedSignedHeaders.join(";") !== auth.signedHeaders.join(";")) {
    throw incomplete("SignedHeaders must be sorted");
  }
  const canonicalHeaders = sortedSignedHeaders
    .map((name) => {
      const value = request.headers[name];
      if (value === undefined) throw incomplete(`the signed header ${name} is missing`);
      return `${name}:${value.trim()}\n`;
    })
    .join("");
  const canonicalQuery = Object.keys(request.query)
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(request.query[key] ?? "")}`)
    .join("&");
  const canonicalRequest = [
    request.method,
    request.rawPath || "/",
    canonicalQuery,
    canonicalHeaders,
    sortedSignedHeaders.join(";"),
    request.headers["x-acs-content-sha256"],
  ].join("\n");
  return `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/** The body's hash must match the signed x-acs-content-sha256, or the body was swapped. */
export function v3PayloadMatches(request: SignedRequest): boolean {
  return sha256Hex(request.body) === request.headers["x-acs-content-sha256"];
}

export function v3SignatureMatches(
  stringToSign: string,
  secret: string,
  presented: string,
): boolean {
  const expected = createHmac("sha256", secret).update(stringToSign).digest("hex");
  return constantTimeEqual(expected, presented.toLowerCase());
}

export function constantTimeEqual(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, undefined] : [text.slice(0, index), text.slice(index + 1)];
}
