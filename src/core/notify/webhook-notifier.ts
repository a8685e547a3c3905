/**
 * Announces a failed rotation, a failed scheduler run, or tags that turned
 * a secret's rotation off or weakened it, to a chat or incident webhook.
 * Formats: `generic` (a JSON event), `dingtalk`, `lark` (Feishu) and
 * `slack` (their incoming-webhook text message shapes). Configured per
 * function by ROTOR_NOTIFY_URL and ROTOR_NOTIFY_FORMAT. The message names
 * secrets, functions and (already redacted) errors, or the tags and what
 * they do; never a value. An error may quote a target's words, so every
 * text of a notice is scrubbed (src/core/contract/untrusted-text.ts) before it is
 * sent: people read it in a chat client, which must get no control
 * character, forged line or bidi trick.
 */
import { ConfigError, type Env, readEnv } from "@rotor/cloud-api";
import { scrubUntrustedText } from "../contract/untrusted-text.ts";
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

/** A scheduler run that failed to request some rotations (see scheduler-run-failure.ts). */
export interface SchedulerFailureNotice {
  /** The scheduler function. */
  functionName: string;
  /** Invocations the run asked for. */
  requested: number;
  /** Those that could not be requested: each secret, its function and FC's error code. */
  failed: readonly { secretName: string; functionName: string; error: string }[];
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
  notifySchedulerFailure(notice: SchedulerFailureNotice): Promise<void>;
  warnWeakened(notice: TagWeakeningNotice): Promise<void>;
}

/** How many failed requests a chat message lists; the rest are counted. */
const LISTED_IN_MESSAGE = 10;

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
  const post = async (message: unknown): Promise<void> => {
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
    notify: (notice) => post(messageFor(format, notice)),
    notifySchedulerFailure: (notice) => post(schedulerMessageFor(format, notice)),
    warnWeakened: (notice) => post(weakeningMessageFor(format, notice)),
  };
}

function weakeningMessageFor(format: NotifyFormat, notice: TagWeakeningNotice): unknown {
  const time = new Date(notice.at).toISOString();
  // Tag values are written by whoever may tag the secret: scrubbed like a target's text.
  const weakenings = notice.weakenings.map((found) => ({
    ...found,
    value: scrubUntrustedText(found.value, { maxLength: 256 }),
  }));
  const secretName = scrubUntrustedText(notice.secretName, { maxLength: 256 });
  if (format === "generic") {
    return { event: "rotation_weakened_by_tags", secretName, weakenings, at: time };
  }
  const findings = weakenings
    .map((found) => `${found.tag}=${found.value} (${found.effect}: ${found.says})`)
    .join("; ");
  return textMessage(
    format,
    `Rotor: tags of secret ${secretName} turn its rotation off or weaken it, found at ${time}: ${findings}`,
  );
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
  if (format === "generic") return { event: "rotation_failed", ...notice, at: time };
  return textMessage(format, text);
}

function schedulerMessageFor(format: NotifyFormat, given: SchedulerFailureNotice): unknown {
  const notice: SchedulerFailureNotice = {
    ...given,
    functionName: scrubUntrustedText(given.functionName, { maxLength: 128 }),
    failed: given.failed.map((each) => ({
      ...each,
      secretName: scrubUntrustedText(each.secretName, { maxLength: 256 }),
      functionName: scrubUntrustedText(each.functionName, { maxLength: 128 }),
      error: scrubUntrustedText(each.error, { maxLength: MAX_NOTICE_ERROR }),
    })),
  };
  const time = new Date(notice.at).toISOString();
  if (format === "generic") return { event: "scheduler_failed", ...notice, at: time };
  const listed = notice.failed
    .slice(0, LISTED_IN_MESSAGE)
    .map((each) => `${each.secretName} → ${each.functionName}: ${each.error}`);
  const rest = notice.failed.length - listed.length;
  const text = `Rotor: the scheduler (function ${notice.functionName}) could not request ${notice.failed.length} of ${notice.requested} invocations at ${time}: ${listed.join("; ")}${rest > 0 ? `; and ${rest} more` : ""}`;
  return textMessage(format, text);
}

function textMessage(format: Exclude<NotifyFormat, "generic">, text: string): unknown {
  switch (format) {
    case "dingtalk":
      return { msgtype: "text", text: { content: text } };
    case "lark":
      return { msg_type: "text", content: { text } };
    case "slack":
      return { text };
  }
}
