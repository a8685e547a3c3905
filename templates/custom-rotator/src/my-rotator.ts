/**
 * A rotator of your own: the API token an HTTP service issues to your
 * application. Rotor's engine runs the four steps (createSecret, setSecret,
 * testSecret, finishSecret), keeps the versions in KMS consistent, resumes
 * after a crash and refuses concurrent rotations; a rotator holds only what
 * is specific to its target. Replace the three calls to the token service
 * with your own API's.
 *
 * The service this template talks to (test/support/token-service.ts stands
 * in for it) accepts any token it has issued, adds a token when asked with a
 * valid one, and deletes one when asked with another valid one. A token never
 * travels in a URL, only in a header or a body.
 */
import { randomBytes } from "node:crypto";
import { defineRotator, jsonSecretValue } from "@rotor/core";
import { z } from "zod";

export interface ApiTokenRotatorOptions {
  /**
   * Where the token service is. It comes from the function's deployment
   * (s.yaml), never from a tag: whoever may tag a secret must not be able
   * to send its token somewhere else.
   */
  serviceUrl: string;
}

/** What the secret holds: `{"Token":"…"}`. Other fields are kept as they are. */
const tokenSecret = z.looseObject({ Token: z.string().min(20) });

/** How long one call to the service may take before the step fails (and is retried). */
const CALL_TIMEOUT_MS = 10_000;

export function apiTokenRotator(options: ApiTokenRotatorOptions) {
  const service = new URL(options.serviceUrl);

  /** Calls the service with `token` as the credential; throws unless it answers 2xx. */
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(new URL(path, service), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    // The message names the call and the status only: never a token.
    if (!response.ok)
      throw new Error(`token service: ${method} ${path} answered ${response.status}`);
  };

  return defineRotator({
    // The value of the secret's `rotor:rotator` tag.
    kind: "api-token",
    description: "an API token issued by an HTTP service",
    // Parses the stored value; a bad one is refused with an error naming the
    // missing field and the expected shape, never the value.
    value: jsonSecretValue(tokenSecret, '{"Token":"…"}'),
    // Settings read from the secret's `rotor:` tags. This rotator takes none:
    // what decides where the token goes is the deployment's.
    config: z.object({}),

    // createSecret: the new value. It may run again after a crash, or in an
    // invocation that then loses the race for the rotation: it only computes.
    async createValue(current) {
      return { ...current, Token: randomBytes(32).toString("base64url") };
    },

    // setSecret: make the target accept the new token, proving the current
    // one first (the service checks it). Adding a token twice is harmless,
    // so a step run again gives the same result.
    async apply({ current, pending }, ctx) {
      // Every call to the target goes through ctx.external: the conformance
      // suite crashes the rotation before each one and checks it resumes.
      await ctx.external("token-service.add-token", () =>
        call("POST", "tokens", current.Token, { token: pending.Token }),
      );
    },

    // testSecret: the new token works.
    async test(value, ctx) {
      await ctx.external("token-service.whoami", () => call("GET", "whoami", value.Token));
    },

    // After an emergency rotation (a leaked token), once the new token is
    // ACSCurrent: the leaked one stops working. A scheduled rotation keeps
    // the previous token valid, so applications that still hold it go on.
    async revoke({ revoked, current }, ctx) {
      await ctx.external("token-service.delete-token", () =>
        call("DELETE", "tokens", current.Token, { token: revoked.Token }),
      );
    },
  });
}
