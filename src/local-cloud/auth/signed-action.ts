/**
 * Which action and API version a request asks for, taken only from what its
 * signature covers. A V1 request signs its parameters (`Action`, `Version`)
 * and no header, so an `x-acs-action` or `x-acs-version` header cannot
 * decide anything: one that repeats the signed value is accepted (the SDKs
 * send both), one that differs is refused, or a request signed for
 * DescribeSecret could be sent on as DeleteSecret. A V3 request signs both
 * headers (v3StringToSign insists); parameters that name another action or
 * version are refused the same way, so a request never means two things.
 */
import { CloudApiError } from "../api-error.ts";
import type { SignedRequest } from "./signed-request.ts";

export interface SignedAction {
  action: string;
  version: string;
}

export function signedAction(request: SignedRequest, signatureVersion: "v1" | "v3"): SignedAction {
  const params = { ...request.form, ...request.query };
  const naming = [
    { what: "action", header: "x-acs-action", param: "Action" },
    { what: "version", header: "x-acs-version", param: "Version" },
  ] as const;
  const decided: Record<string, string> = {};
  for (const { what, header, param } of naming) {
    const inHeader = request.headers[header];
    const inParams = params[param];
    const [signed, other] = signatureVersion === "v3" ? [inHeader, inParams] : [inParams, inHeader];
    if (other !== undefined && other !== signed) {
      throw new CloudApiError(
        400,
        "IncompleteSignature",
        `The request signature does not conform to Aliyun standards: the header ${header} (${JSON.stringify(inHeader ?? "")}) and the parameter ${param} (${JSON.stringify(inParams ?? "")}) must name the same ${what}`,
      );
    }
    decided[what] = signed ?? "";
  }
  return { action: decided.action ?? "", version: decided.version ?? "" };
}
