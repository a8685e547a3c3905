/**
 * The generic rotator's optional webhook: a service that applies and tests
 * the new value itself. Rotor POSTs JSON `{"action":"set"|"test",
 * "secretName","versionId","field","value"}`, where `value` is only the
 * rotated value (the JSON field `field`, or the whole text of a text
 * secret), never the rest of the secret. It signs the body with HMAC-SHA256
 * over `<timestamp>.<body>` (key: the ACSCurrent value of the secret
 * `rotor:webhook-key-secret`, read within ROTOR_MASTER_SECRET_PREFIXES),
 * sent as `X-Rotor-Timestamp` and `X-Rotor-Signature: sha256=<hex>` so the
 * receiver can check origin and freshness. Where it may go is decided by
 * webhook-target.ts. A 2xx answer whose JSON has `"ok": true` means done;
 * any other answer means the step failed, and a redirect is not followed.
 * Network errors and 5xx are retried a bounded number of times; 3xx and
 * 4xx are final.
 */
import { createHmac } from "node:crypto";
import { RotorError, readEnv } from "@rotor/cloud-api";
import { readPrivilegedSecret } from "../../contract/privileged-secret.ts";
import type { RotatorContext } from "../../contract/rotator-contract.ts";
import type { GenericConfig } from "./generic-config.ts";
import { postPinned, type WebhookAnswer } from "./webhook-request.ts";
import {
  type HostResolver,
  resolveWebhookAddress,
  systemResolver,
  type WebhookTarget,
} from "./webhook-target.ts";

export class WebhookError extends RotorError {
  override name = "WebhookError";
}

export interface WebhookCall {
  action: "set" | "test";
  versionId: string;
  /** The JSON field rotated; absent for a text secret. */
  field?: string | undefined;
  /** The rotated value alone. */
  value: string;
}

/** How refusals name the key secret. */
export const WEBHOOK_KEY_ROLE = "webhook key secret";

export function signature(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex")}`;
}

export async function callWebhook(
  target: WebhookTarget,
  call: WebhookCall,
  ctx: RotatorContext<GenericConfig>,
  resolve: HostResolver = systemResolver,
): Promise<void> {
  const { config } = ctx;
  const { url } = target;
  const key = await readPrivilegedSecret(
    ctx,
    config["webhook-key-secret"] as string,
    WEBHOOK_KEY_ROLE,
  );
  const body = JSON.stringify({ ...call, secretName: ctx.secretName });
  // Resolved and checked once for every attempt of this call: the attempts go where the check said.
  const address = await resolveWebhookAddress(target, ctx.secretName, resolve);
  const extraCa = readEnv("ROTOR_WEBHOOK_CA");
  const attempts = config["webhook-attempts"];
  let lastProblem = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const timestamp = String(Math.floor(ctx.now() / 1000));
    const timeoutMs = Math.min(
      config["webhook-timeout-seconds"] * 1000,
      Math.max(1, ctx.deadline - ctx.now()),
    );
    let answer: WebhookAnswer;
    try {
      answer = await ctx.external(`webhook.${call.action}`, () =>
        postPinned({
          url,
          address,
          headers: {
            "content-type": "application/json",
            "x-rotor-timestamp": timestamp,
            "x-rotor-signature": signature(key, timestamp, body),
          },
          body,
          timeoutMs,
          extraCa,
        }),
      );
    } catch (error) {
      lastProblem = `no answer (${(error as Error)?.name ?? "error"})`;
      if (attempt < attempts) await pause(attempt);
      continue;
    }
    const success = answer.status >= 200 && answer.status < 300;
    if (success && saysOk(answer.body)) return;
    lastProblem = `HTTP ${answer.status}${
      success
        ? ' without {"ok":true}'
        : answer.status >= 300 && answer.status < 400
          ? " (a redirect, which Rotor does not follow)"
          : ""
    }`;
    if (answer.status < 500) break;
    if (attempt < attempts) await pause(attempt);
  }
  throw new WebhookError(
    `Webhook ${call.action} for secret ${ctx.secretName} version ${call.versionId} at ${url.origin}${url.pathname} failed: ${lastProblem}`,
  );
}

function saysOk(body: string): boolean {
  try {
    return (JSON.parse(body) as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
}
