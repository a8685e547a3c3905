/**
 * Announces a failed rotation, or tags that turned a secret's rotation off
 * or weakened it, to a chat or incident webhook. Formats: `generic` (a JSON
 * event), `dingtalk`, `lark` (Feishu) and `slack` (their incoming-webhook
 * text message shapes). Configured per function by ROTOR_NOTIFY_URL and
 * ROTOR_NOTIFY_FORMAT. The message names the secret, the function and the
 * (already redacted) error, or the tags and what they do; never a value.
 */
import { type Env, readEnv } from "../config/env.ts";
import { ConfigError } from "../errors.ts";
import type { TagWeakening } from "../scheduler/tag-weakenings.ts";

export const NOTIFY_FORMATS = ["generic", "dingtalk", "lark", "slack"] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

export interface RotationFailureNotice {
  secretName: string;
  functionName: string;
  attempts: number;
  error: string;
  at: number;
}

/** Tags that turned a secret's rotation off or weakened it, as the scheduler found them. */
export interface TagWeakeningNotice {
  secretName: string;
  weakenings: readonly TagWeakening[];
  at: number;
}

export interface Notifier {
  notify(notice: RotationFailureNotice): Promise<void>;
  warnWeakened(notice: TagWeakeningNotice): Promise<void>;
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
  const send = async (message: unknown) => {
    const body = JSON.stringify(message);
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
  };
  return {
    notify: (notice) => send(messageFor(format, notice)),
    warnWeakened: (notice) => send(weakeningMessageFor(format, notice)),
  };
}

function weakeningMessageFor(format: NotifyFormat, notice: TagWeakeningNotice): unknown {
  const time = new Date(notice.at).toISOString();
  const findings = notice.weakenings
    .map((found) => `${found.tag}=${found.value} (${found.effect}: ${found.says})`)
    .join("; ");
  const text = `Rotor: tags of secret ${notice.secretName} turn its rotation off or weaken it, found at ${time}: ${findings}`;
  switch (format) {
    case "dingtalk":
      return { msgtype: "text", text: { content: text } };
    case "lark":
      return { msg_type: "text", content: { text } };
    case "slack":
      return { text };
    case "generic":
      return {
        event: "rotation_weakened_by_tags",
        secretName: notice.secretName,
        weakenings: notice.weakenings,
        at: time,
      };
  }
}

function messageFor(format: NotifyFormat, notice: RotationFailureNotice): unknown {
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
