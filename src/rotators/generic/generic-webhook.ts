/**
 * The generic rotator's optional webhook: a service that applies and tests
 * the new value itself. Rotor POSTs JSON `{"action":"set"|"test",
 * "secretName","versionId","value"}` and signs it with HMAC-SHA256 over
 * `<timestamp>.<body>` (key: the ACSCurrent value of another KMS secret),
 * sent as `X-Rotor-Timestamp` and `X-Rotor-Signature: sha256=<hex>` so the
 * receiver can check origin and freshness. A 2xx answer whose JSON has
 * `"ok": true` means done; any other answer means the step failed. Network
 * errors and 5xx are retried a bounded number of times; 4xx is final.
 */
import { createHmac } from "node:crypto";
import { ConfigError, RotorError } from "../../errors.ts";
import type { RotatorContext } from "../contract.ts";
import type { GenericConfig } from "./generic-config.ts";

export class WebhookError extends RotorError {
  override name = "WebhookError";
}

export interface WebhookCall {
  action: "set" | "test";
  versionId: string;
  value: string;
}

/** The webhook's URL, refusing plain http except to 127.0.0.1 or when allowed by tag. */
export function webhookUrl(config: GenericConfig): URL | undefined {
  const raw = config["webhook-url"];
  if (raw === undefined) return undefined;
  const url = new URL(raw);
  const loopback = url.hostname === "127.0.0.1";
  if (url.protocol === "http:" && !loopback && !config["webhook-allow-http"]) {
    throw new ConfigError(
      `Tag rotor:webhook-url: plain http is allowed only for 127.0.0.1 or with rotor:webhook-allow-http=true; use https (${url.host})`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`Tag rotor:webhook-url: expected an https URL, got ${url.protocol}`);
  }
  if (config["webhook-key-secret"] === undefined) {
    throw new ConfigError("Tag rotor:webhook-key-secret is required with rotor:webhook-url");
  }
  return url;
}

export function signature(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex")}`;
}

export async function callWebhook(
  url: URL,
  call: WebhookCall,
  ctx: RotatorContext<GenericConfig>,
): Promise<void> {
  const { config } = ctx;
  const key = await ctx.readSecret(config["webhook-key-secret"] as string);
  const body = JSON.stringify({ ...call, secretName: ctx.secretName });
  const attempts = config["webhook-attempts"];
  let lastProblem = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const timestamp = String(Math.floor(ctx.now() / 1000));
    const timeoutMs = Math.min(
      config["webhook-timeout-seconds"] * 1000,
      Math.max(1, ctx.deadline - ctx.now()),
    );
    let response: Response;
    try {
      response = await ctx.external(`webhook.${call.action}`, () =>
        fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-rotor-timestamp": timestamp,
            "x-rotor-signature": signature(key, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        }),
      );
    } catch (error) {
      lastProblem = `no answer (${(error as Error)?.name ?? "error"})`;
      if (attempt < attempts) await pause(attempt);
      continue;
    }
    const answer = await response.text();
    let ok = false;
    try {
      ok = response.ok && (JSON.parse(answer) as { ok?: unknown }).ok === true;
    } catch {
      ok = false;
    }
    if (ok) return;
    lastProblem = `HTTP ${response.status}${response.ok ? ' without {"ok":true}' : ""}`;
    if (response.status < 500) break;
    if (attempt < attempts) await pause(attempt);
  }
  throw new WebhookError(
    `Webhook ${call.action} for secret ${ctx.secretName} version ${call.versionId} at ${url.origin}${url.pathname} failed: ${lastProblem}`,
  );
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
}
