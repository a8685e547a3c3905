/**
 * The CLI's rotations announce themselves as the functions' do: with
 * ROTOR_EVENT_BUS set in the CLI's environment, `rotor rotate` (one secret
 * or every secret of a tag, emergencies included) publishes the same
 * CloudEvents to that bus (docs/events.md). An operator's emergency
 * rotation after a leak is the one a security team most wants to see on
 * the channel it watches. Unset, nothing is sent. A publish that fails
 * never changes the rotation's outcome: it is one warning line on stderr.
 */
import type { Env } from "@rotor/core/cloud-api";
import type { FcCredentials } from "@rotor/core/functions";
import { type EventBusPublisher, publisherFromEnv } from "@rotor/core/notify";

export function cliEventPublisher(
  env: Env,
  credentials: FcCredentials | undefined,
  err: (line: string) => void,
): EventBusPublisher | undefined {
  return publisherFromEnv({
    env,
    credentials,
    warn: (event, fields) => err(`warning: ${event} ${JSON.stringify(fields)}`),
  });
}
