/**
 * HMAC-SHA1 (signature V1): what `@alicloud/rpc-client` based SDKs and
 * `@alicloud/pop-core` send, and `@alicloud/openapi-client` with
 * `signatureAlgorithm: "v2"`. Every query and form parameter but
 * `Signature` is signed.
 */
import { createHmac } from "node:crypto";
import { CloudApiError } from "../api-error.ts";
import { percentEncode } from "./percent-encode.ts";
import { constantTimeEqual } from "./signature-v3.ts";

const REQUIRED = ["AccessKeyId", "Signature", "SignatureMethod", "SignatureNonce", "Timestamp"];

/** The parameters a V1 request signs: query and form together. */
export function v1Parameters(
  query: Readonly<Record<string, string>>,
  form: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...form, ...query };
}

export function checkV1Shape(params: Readonly<Record<string, string>>): void {
  for (const name of REQUIRED) {
    if (!params[name]) {
      throw new CloudApiError(
        400,
        "IncompleteSignature",
        `The request signature does not conform to Aliyun standards: the parameter ${name} is missing`,
      );
    }
  }
  if (params.SignatureMethod !== "HMAC-SHA1") {
    throw new CloudApiError(
      400,
      "IncompleteSignature",
      `The request signature does not conform to Aliyun standards: SignatureMethod ${JSON.stringify(params.SignatureMethod)} is not supported; use HMAC-SHA1`,
    );
  }
  if (params.SignatureVersion !== undefined && params.SignatureVersion !== "1.0") {
    throw new CloudApiError(
      400,
      "IncompleteSignature",
      `The request signature does not conform to Aliyun standards: SignatureVersion must be 1.0`,
    );
  }
}

export function v1StringToSign(method: string, params: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(params)
    .filter((key) => key !== "Signature")
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? "")}`)
    .join("&");
  return `${method}&${percentEncode("/")}&${percentEncode(canonical)}`;
}

export function v1SignatureMatches(
  stringToSign: string,
  secret: string,
  presented: string,
): boolean {
  const expected = createHmac("sha1", `${secret}&`).update(stringToSign).digest("base64");
  return constantTimeEqual(expected, presented);
}
