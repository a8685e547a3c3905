/**
 * Event bus names and ARNs. EventBridge's limits: at most 127 characters,
 * a letter or digit first, then letters, digits and hyphens; `default` is
 * the account's own bus (it always exists and is not created or deleted),
 * and names starting `eventbridge-reserved-` are the service's.
 */
export const DEFAULT_BUS = "default";

const BUS_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,126}$/;
const RESERVED_PREFIX = "eventbridge-reserved-";

/** Why `name` cannot be a custom bus's name, or undefined when it can. */
export function busNameProblem(name: string): string | undefined {
  if (!BUS_NAME.test(name)) {
    return "A name has at most 127 characters: a letter or digit, then letters, digits and hyphens.";
  }
  if (name === DEFAULT_BUS) return "The name default is reserved.";
  if (name.startsWith(RESERVED_PREFIX)) return `Names starting ${RESERVED_PREFIX} are reserved.`;
  return undefined;
}

/** Whether a bus could be called `name` at all (the default bus included). */
export function isBusName(name: string): boolean {
  return BUS_NAME.test(name);
}

/** `acs:eventbridge:{region}:{account}:eventbus/{name}`: what RAM policies name. */
export function busArn(region: string, accountId: string, name: string): string {
  return `acs:eventbridge:${region}:${accountId}:eventbus/${name}`;
}
