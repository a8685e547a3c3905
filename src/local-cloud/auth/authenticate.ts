/**
 * Authentication as the real cloud does it: find the signature version,
 * check the timestamp window, verify the signature with the key's secret,
 * and only then spend the nonce (so a forged request cannot burn a real
 * client's nonce). Returns who is calling.
 */
import { CloudApiError } from "../api-error.ts";
import type { NonceRegistry } from "./nonce-registry.ts";
import type { KeyResolver, Principal } from "./principal.ts";
import { checkV1Shape, v1Parameters, v1SignatureMatches, v1StringToSign } from "./signature-v1.ts";
import {
  parseV3Authorization,
  v3PayloadMatches,
  v3SignatureMatches,
  v3StringToSign,
} from "./signature-v3.ts";
import type { SignedRequest } from "./signed-request.ts";

/** How far a request's timestamp may be from the server's clock. */
export const TIMESTAMP_WINDOW_MS = 15 * 60 * 1000;

export interface Authenticated {
  principal: Principal;
  signatureVersion: "v1" | "v3";
}

/**
 * @param now the real time, for the timestamp window and nonces
 * @param cloudNow the cloud's (possibly simulated) time, for credential expiry
 */
export function authenticate(
  request: SignedRequest,
  keys: KeyResolver,
  nonces: NonceRegistry,
  now: number,
  cloudNow: number = now,
): Authenticated {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith("ACS3-")) {
    const auth = parseV3Authorization(authorization);
    const stringToSign = v3StringToSign(request, auth);
    const timestamp = checkTimestamp(request.headers["x-acs-date"], "x-acs-date", now);
    const key = keys.resolve(auth.accessKeyId, request.headers["x-acs-security-token"], cloudNow);
    if (
      !v3PayloadMatches(request) ||
      !v3SignatureMatches(stringToSign, key.secret, auth.signature)
    ) {
      throw signatureMismatch();
    }
    spendNonce(
      nonces,
      auth.accessKeyId,
      request.headers["x-acs-signature-nonce"] ?? "",
      timestamp,
      now,
    );
    return { principal: key.principal, signatureVersion: "v3" };
  }
  const params = v1Parameters(request.query, request.form);
  if (params.Signature === undefined && authorization === undefined) {
    throw new CloudApiError(
      400,
      "IncompleteSignature",
      "The request signature does not conform to Aliyun standards: the request is not signed",
    );
  }
  checkV1Shape(params);
  const timestamp = checkTimestamp(params.Timestamp, "Timestamp", now);
  const accessKeyId = params.AccessKeyId ?? "";
  const key = keys.resolve(accessKeyId, params.SecurityToken, cloudNow);
  const stringToSign = v1StringToSign(request.method, params);
  if (!v1SignatureMatches(stringToSign, key.secret, params.Signature ?? ""))
    throw signatureMismatch();
  spendNonce(nonces, accessKeyId, params.SignatureNonce ?? "", timestamp, now);
  return { principal: key.principal, signatureVersion: "v1" };
}

/** Accepts `YYYY-MM-DDTHH:mm:ssZ` (milliseconds allowed) within the window. */
function checkTimestamp(value: string | undefined, name: string, now: number): number {
  const illegal = (why: string) =>
    new CloudApiError(
      400,
      "IllegalTimestamp",
      `The input parameter "${name}" that is mandatory for processing this request is not supplied or is illegal: ${why}`,
    );
  if (!value) throw illegal("missing");
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(value)) {
    throw illegal("expected UTC time as YYYY-MM-DDTHH:mm:ssZ");
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw illegal("not a real date");
  // Strict at both edges: a nonce is remembered until timestamp + window, not a moment longer.
  if (Math.abs(now - time) >= TIMESTAMP_WINDOW_MS) {
    throw illegal("15 minutes or more away from the server's time");
  }
  return time;
}

function spendNonce(
  nonces: NonceRegistry,
  accessKeyId: string,
  nonce: string,
  timestamp: number,
  now: number,
): void {
  if (!nonce) {
    throw new CloudApiError(
      400,
      "IncompleteSignature",
      "The request signature does not conform to Aliyun standards: the signature nonce is missing",
    );
  }
  if (!nonces.use(`${accessKeyId}\n${nonce}`, timestamp + TIMESTAMP_WINDOW_MS, now)) {
    throw new CloudApiError(
      400,
      "SignatureNonceUsed",
      "Specified signature nonce was used already.",
    );
  }
}

function signatureMismatch(): CloudApiError {
  // The real cloud echoes its string to sign; ours could hold SecretData
  // (V1 signs every parameter), so the message stays generic.
  return new CloudApiError(
    400,
    "SignatureDoesNotMatch",
    "Specified signature is not matched with our calculation. Check your AccessKey secret and the signing method.",
  );
}
