/**
 * The checks AssumeRole makes on its parameters, shared by the STS action
 * and by the local cloud's service-role helper, so both refuse the same
 * input with the same codes.
 */
import { CloudApiError } from "../api-error.ts";
import { InvalidPolicyError, parsePermissionPolicy } from "../policy/policy-document.ts";
import type { RamDirectory } from "../ram/ram-directory.ts";
import type { RoleRecord } from "../ram/ram-records.ts";

export const MIN_SESSION_SECONDS = 900;
export const DEFAULT_SESSION_SECONDS = 3600;

export function checkSessionName(sessionName: string | undefined): string {
  if (sessionName === undefined || sessionName === "") {
    throw new CloudApiError(
      400,
      "MissingParameter",
      "The parameter RoleSessionName is required but was not provided.",
    );
  }
  if (!/^[A-Za-z0-9._@-]{2,64}$/.test(sessionName)) {
    throw new CloudApiError(
      400,
      "InvalidParameter.RoleSessionName",
      "The parameter RoleSessionName must be 2 to 64 letters, digits, periods, underscores, hyphens or @.",
    );
  }
  return sessionName;
}

/** The role named by an ARN `acs:ram::<account>:role/<name>` of this account. */
export function roleFromArn(ram: RamDirectory, roleArn: string | undefined): RoleRecord {
  if (roleArn === undefined || roleArn === "") {
    throw new CloudApiError(
      400,
      "MissingParameter",
      "The parameter RoleArn is required but was not provided.",
    );
  }
  const match = /^acs:ram::(\d+):role\/([A-Za-z0-9.-]{1,64})$/.exec(roleArn);
  if (!match) {
    throw new CloudApiError(
      400,
      "InvalidParameter.RoleArn",
      "The parameter RoleArn must look like acs:ram::<account id>:role/<role name>.",
    );
  }
  const role = match[1] === ram.accountId ? ram.findRole(match[2] ?? "") : undefined;
  if (!role) {
    throw new CloudApiError(404, "EntityNotExist.Role", `The role ${roleArn} does not exist.`);
  }
  return role;
}

export function checkDuration(role: RoleRecord, durationSeconds: number | undefined): number {
  const duration = durationSeconds ?? Math.min(DEFAULT_SESSION_SECONDS, role.maxSessionDuration);
  if (
    !Number.isInteger(duration) ||
    duration < MIN_SESSION_SECONDS ||
    duration > role.maxSessionDuration
  ) {
    throw new CloudApiError(
      400,
      "InvalidParameter.DurationSeconds",
      `The parameter DurationSeconds must be between ${MIN_SESSION_SECONDS} and the role's MaxSessionDuration (${role.maxSessionDuration}).`,
    );
  }
  return duration;
}

export function parseDurationParam(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value)) {
    throw new CloudApiError(
      400,
      "InvalidParameter.DurationSeconds",
      "The parameter DurationSeconds must be a whole number of seconds.",
    );
  }
  return Number(value);
}

/** Validates a session policy; returns its text for the session record. */
export function checkSessionPolicy(policy: string | undefined): string | undefined {
  if (policy === undefined || policy === "") return undefined;
  try {
    parsePermissionPolicy(policy);
  } catch (error) {
    if (error instanceof InvalidPolicyError) {
      throw new CloudApiError(
        400,
        "InvalidParameter.PolicyGrammar",
        `The parameter Policy is not a valid policy: ${error.message}`,
      );
    }
    throw error;
  }
  return policy;
}
