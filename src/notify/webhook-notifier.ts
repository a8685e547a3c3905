/**
 * Announces a failed rotation to a chat or incident webhook. Formats:
 * `generic` (a JSON event), `dingtalk`, `lark` (Feishu) and `slack` (their
 * incoming-webhook text message shapes). Configured per function by
 * ROTOR_NOTIFY_URL and ROTOR_NOTIFY_FORMAT. The message names the secret,
 * the function and the (already redacted) error; never a value. The error
 * may quote a target's words, so every text of the notice is scrubbed
 * (src/text/untrusted-text.ts) before it is sent: people read it in a chat
 * client, which must get no control character, forged line or bidi trick.
 */
import { type Env, readEnv } from "../config/env.ts";
import { ConfigError } from "../errors.ts";
import { scrubUntrustedText } from "../text/untrusted-text.ts";

export const NOTIFY_FORMATS = ["generic", "dingtalk", "lark", "slack"] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

export interface RotationFailureNotice {
  secretName: string;
  functionName: string;
  attempts: number;
  error: string;
  at: number;
}

export interface Notifier {
  notify(notice: RotationFailureNotice): Promise<void>;
}

/** The notifier the environment configures, or undefined when ROTOR_NOTIFY_URL is unset. */
export function notifierFromEnv(env: Env = process.env): Notifier | undefined {
  const url = readEnv("ROTOR_NOTIFY_URL", env);
  if (url === undefined) return undefined;
  const format = (readEnv("ROTOR_NOTIFY_FORMAT", env) ?? "generic") as NotifyFormat;
  if (!NOTIFY_FORMATS.includes(format)) {
    throw new ConfigError(
      `ROTOR_NOTIFY_FORMAT must be one of ${NOTIFY_FORMATS.join(", ")}, got ${JSON.stringify(format)}`,
    );
  }
  return webhookNotifier(url, format);
}

export function webhookNotifier(url: string, format: NotifyFormat): Notifier {
  const target = new URL(url);
  const loopback =
    target.hostname === "127.0.0.1" ||
    target.hostname === "localhost" ||
    target.hostname === "[::1]";
  if (target.protocol !== "https:" && !(target.protocol === "http:" && loopback)) {
    throw new ConfigError(
      "ROTOR_NOTIFY_URL must use https (plain http is accepted for loopback only)",
    );
  }
  return {
    async notify(notice) {
      const body = JSON.stringify(messageFor(format, notice));
      let lastStatus = "no answer";
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          const response = await fetch(target, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(5_000),
          });
          if (response.ok) return;
          lastStatus = `HTTP ${response.status}`;
          if (response.status < 500 && response.status !== 429) break;
        } catch (error) {
          lastStatus = (error as Error).name;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
      throw new Error(
        `the notification webhook ${target.host} did not accept the message (${lastStatus})`,
      );
    },
  };
}

/** The longest error a notification carries; the rest is in the function's logs. */
const MAX_NOTICE_ERROR = 600;

function messageFor(format: NotifyFormat, given: RotationFailureNotice): unknown {
  const notice: RotationFailureNotice = {
    ...given,
    secretName: scrubUntrustedText(given.secretName, { maxLength: 256 }),
    functionName: scrubUntrustedText(given.functionName, { maxLength: 128 }),
    error: scrubUntrustedText(given.error, { maxLength: MAX_NOTICE_ERROR }),
  };
  const time = new Date(notice.at).toISOString();
  const text = `Rotor: rotation of secret ${notice.secretName} failed after ${notice.attempts} attempt(s) in function ${notice.functionName} at ${time}: ${notice.error}`;
  switch (format) {
    case "dingtalk":
      return { msgtype: "text", text: { content: text } };
    case "lark":
      return { msg_type: "text", content: { text } };
    case "slack":
      return { text };
    case "generic":
      return { event: "rotation_failed", ...notice, at: time };
  }
}
