/**
 * Whatever an official Alibaba SDK threw, as Rotor's errors: ApiError when
 * the server answered with an error envelope, NetworkError when no answer
 * came. The SDK's error travels as `cause` (a NetworkError's cause carries
 * Node's code, e.g. ECONNREFUSED, which the retry rules read).
 */
import { ApiError, NetworkError } from "./errors.ts";

interface TeaErrorShape {
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  data?: { statusCode?: unknown; RequestId?: unknown; Message?: unknown; Code?: unknown };
}

export function toRotorError(action: string, sdkError: unknown): ApiError | NetworkError {
  const shape = (
    typeof sdkError === "object" && sdkError !== null ? sdkError : {}
  ) as TeaErrorShape;
  const statusCode = Number(shape.data?.statusCode ?? shape.statusCode);
  if (Number.isInteger(statusCode) && statusCode >= 400) {
    const code = String(shape.data?.Code ?? shape.code ?? "Unknown");
    const message = String(shape.data?.Message ?? "no message");
    const requestId =
      shape.data?.RequestId === undefined ? undefined : String(shape.data.RequestId);
    return new ApiError({ action, code, statusCode, message, requestId, cause: sdkError });
  }
  const detail = String(shape.code ?? (sdkError instanceof Error ? sdkError.message : sdkError));
  return new NetworkError(action, detail, sdkError);
}
