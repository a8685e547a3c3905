/**
 * A small request signer for tests that must send what no official client
 * would: tampered, stale, replayed or half-signed requests. It follows
 * Alibaba's published V3 (ACS3-HMAC-SHA256) and V1 (HMAC-SHA1) recipes and
 * sends with plain node:http, so a test can change any byte after signing.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";

export interface RawRequest {
  method: string;
  /** Path and query string, e.g. `/?Action=…`. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface RawResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface SignInput {
  host: string;
  accessKeyId: string;
  accessKeySecret: string;
  action: string;
  /** Action parameters, sent in the query string as the SDKs do. */
  query: Record<string, string>;
  /** Form parameters for the body (the SDKs leave it empty for KMS). */
  form?: Record<string, string>;
  /** Defaults to now. */
  time?: Date;
  nonce?: string;
}

const KMS_VERSION = "2016-01-20";

/** RFC 3986 encoding, `!'()*` included, as both signature versions want it. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((key) => `${rfc3986(key)}=${rfc3986(params[key] ?? "")}`)
    .join("&");
}

function formBody(form: Record<string, string> | undefined): string {
  return form ? canonicalQuery(form) : "";
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** `2024-05-01T08:00:00Z`: what the SDKs send. */
export function acsTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A V3-signed request; `extraHeaders` are added before signing unless listed in `unsigned`. */
export function signV3(
  input: SignInput,
  options: { extraHeaders?: Record<string, string>; unsigned?: string[] } = {},
): RawRequest {
  const body = formBody(input.form);
  const headers: Record<string, string> = {
    host: input.host,
    "x-acs-action": input.action,
    "x-acs-version": KMS_VERSION,
    "x-acs-date": acsTime(input.time ?? new Date()),
    "x-acs-signature-nonce": input.nonce ?? randomUUID(),
    "x-acs-content-sha256": sha256Hex(body),
    ...(input.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    ...options.extraHeaders,
  };
  const signedNames = Object.keys(headers)
    .filter((name) => !(options.unsigned ?? []).includes(name))
    .sort();
  const canonicalRequest = [
    "POST",
    "/",
    canonicalQuery(input.query),
    signedNames.map((name) => `${name}:${(headers[name] ?? "").trim()}\n`).join(""),
    signedNames.join(";"),
    headers["x-acs-content-sha256"],
  ].join("\n");
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac("sha256", input.accessKeySecret).update(stringToSign).digest("hex");
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${input.accessKeyId},SignedHeaders=${signedNames.join(";")},Signature=${signature}`;
  return { method: "POST", path: `/?${canonicalQuery(input.query)}`, headers, body };
}

/** A V1-signed request: every parameter, Signature included, in the query string. */
export function signV1(input: SignInput, options: { signatureMethod?: string } = {}): RawRequest {
  const params: Record<string, string> = {
    Action: input.action,
    Version: KMS_VERSION,
    Format: "JSON",
    AccessKeyId: input.accessKeyId,
    Timestamp: acsTime(input.time ?? new Date()),
    SignatureMethod: options.signatureMethod ?? "HMAC-SHA1",
    SignatureVersion: "1.0",
    SignatureNonce: input.nonce ?? randomUUID(),
    ...input.query,
  };
  const signed = { ...params, ...input.form };
  const stringToSign = `POST&${rfc3986("/")}&${rfc3986(canonicalQuery(signed))}`;
  const signature = createHmac("sha1", `${input.accessKeySecret}&`)
    .update(stringToSign)
    .digest("base64");
  const body = formBody(input.form);
  return {
    method: "POST",
    path: `/?${canonicalQuery({ ...params, Signature: signature })}`,
    headers: {
      host: input.host,
      ...(input.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    },
    body,
  };
}

/** Sends a raw request to 127.0.0.1:port and parses the JSON answer. */
export function sendRaw(port: number, raw: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: raw.method,
        path: raw.path,
        headers: { ...raw.headers, "content-length": String(Buffer.byteLength(raw.body)) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            reject(new Error(`not JSON (HTTP ${res.statusCode}): ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error("timed out")));
    req.end(raw.body);
  });
}
