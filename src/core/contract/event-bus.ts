/**
 * The EventBridge event bus Rotor's functions publish their events to
 * (docs/events.md): `ROTOR_EVENT_BUS`, set at deploy time from the s.yaml
 * variable `eventBus`. Unset or empty, nothing is published and nothing
 * is called. Like the deploy policy it comes from the function's
 * environment only, never from a tag: whoever may tag a secret cannot send
 * its events elsewhere. The role's `eventbridge:PutEvents` statement is
 * rendered from the same variable (role-policy-template.ts), so the role
 * may publish to that bus and no other.
 */
import { ConfigError, type Env, readEnv } from "@rotor/cloud-api";

export const EVENT_BUS_ENV = "ROTOR_EVENT_BUS";

/**
 * EventBridge's bus names: at most 127 characters, a letter or digit
 * first, then letters, digits and hyphens (`default` is the account's own
 * bus). Nothing a RAM resource would read as a wildcard.
 */
const BUS_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,126}$/;

/** The bus to publish to, or undefined when none is set; a malformed name is a ConfigError naming the variable. */
export function eventBusFromEnv(env: Env = process.env): string | undefined {
  const name = readEnv(EVENT_BUS_ENV, env);
  if (name === undefined) return undefined;
  if (!BUS_NAME.test(name)) {
    throw new ConfigError(
      `Environment variable ${EVENT_BUS_ENV}: ${JSON.stringify(name.slice(0, 140))} is not an event bus name (at most 127 letters, digits and hyphens, a letter or digit first)`,
    );
  }
  return name;
}
