/**
 * An error the local cloud answers with, in Alibaba's envelope:
 * `{"RequestId","HostId","Code","Message","Recommend"}` and the HTTP status
 * the real service uses for that code.
 */
export class CloudApiError extends Error {
  override name = "CloudApiError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The common ones, so every product answers them alike. */
export const cloudErrors = {
  missingParameter: (name: string) =>
    new CloudApiError(
      400,
      "MissingParameter",
      `The parameter ${name} is required but was not provided.`,
    ),
  invalidParameter: (name: string, why: string) =>
    new CloudApiError(400, "InvalidParameter", `The parameter ${name} is invalid: ${why}`),
  notFound: (what: string) =>
    new CloudApiError(
      404,
      "Forbidden.ResourceNotFound",
      `The specified resource is not found: ${what}`,
    ),
  /** KMS answers "QPS Limit Exceeded"; the rest says which limit, for whoever reads the log. */
  throttled: (action: string, group?: string) =>
    new CloudApiError(
      429,
      "Rejected.Throttling",
      `QPS Limit Exceeded: ${action} is over ${group === undefined ? "its limit" : `the quota of ${group}`}.`,
    ),
  unknownAction: (action: string, version: string) =>
    new CloudApiError(
      404,
      "InvalidAction.NotFound",
      `Specified api ${action} is not found for version ${version}.`,
    ),
};
