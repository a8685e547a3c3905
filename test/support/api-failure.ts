import { expect } from "vitest";
import { ApiError } from "../../src/cloud-api/errors.ts";

/** The ApiError a call fails with (the test fails if it succeeds or fails otherwise). */
export async function apiFailureOf(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}
