/**
 * Text Rotor did not write, made safe to show people. A database server's
 * error message, an SSH server's stderr, a webhook's answer or a tag value
 * is chosen by whoever runs that target or set that tag, and it travels in
 * Rotor's errors to the `rotor:last-error` tag, chat notifications and the
 * terminal. There it must not act: no escape sequence that clears a screen,
 * sets a title or plants a link; no line break that forges a line of
 * output; no bidi control that makes text read backwards; no known secret
 * value; no pages of it.
 *
 * Each sink passes such text through `scrubUntrustedText` once, where it
 * leaves: a rotation's error (src/core/functions/run-rotation.ts), tags
 * (src/core/contract/tags/outcome-tags.ts), notifications
 * (src/core/notify/webhook-notifier.ts) and everything the CLI prints
 * (src/cli/main.ts). JSON log lines keep the text but escape the characters
 * JSON would otherwise leave raw (`escapeControlsInJson`).
 *
 * @example
 * scrubUntrustedText("denied\x1b[2J\r\nrotor: ok", { maxLength: 256 })
 * // "denied rotor: ok"
 */

export interface ScrubOptions {
  /** Values to replace with `[redacted]` wherever they appear (shorter than 4 characters: ignored). */
  secrets?: Iterable<string> | undefined;
  /**
   * The longest result, in UTF-16 code units (what `String.length` counts,
   * and KMS's tag limit too); longer text is cut, never inside a character,
   * and ends with `…`.
   */
  maxLength?: number | undefined;
}

const REDACTED = "[redacted]";
/** Shorter values occur by chance too often (a digit, a stage name) to be cut out. */
const MIN_SECRET_LENGTH = 4;

/**
 * Terminal escape sequences, removed whole so no half of one is left to
 * act: control strings (OSC such as a window title or hyperlink, DCS, SOS,
 * PM, APC) up to their terminator, CSI sequences (7-bit `ESC [` and 8-bit
 * 0x9b) up to their final byte, and two-character escapes (`ESC c` resets
 * the terminal).
 */
const ESCAPE_SEQUENCE = new RegExp(
  [
    "(?:\\x1b[P\\]X^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)",
    "(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]",
    "\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]",
  ].join("|"),
  "g",
);
/** Anything that breaks a line or jumps (tab, CR, LF, VT, FF, NEL, line and paragraph separators): one space. */
const LINE_BREAKS = /[\t\n\v\f\r\x85\u2028\u2029]+/g;
/**
 * What is left that a terminal or a chat client acts on instead of showing:
 * C0 and C1 controls and DEL (Cc), format characters (Cf: bidi embeddings,
 * overrides and isolates, zero-width characters, the BOM), and surrogate
 * halves that pair with nothing (Cs).
 */
const CONTROLS = /[\p{Cc}\p{Cf}\p{Cs}]/gu;

/** The text redacted, without escape sequences or control characters, on one line, bounded. */
export function scrubUntrustedText(text: string, options: ScrubOptions = {}): string {
  const secrets = secretForms(options.secrets);
  // Redact before stripping (a secret may hold a control character) and after (a control
  // character slipped inside a secret must not hide it).
  const stripped = redact(
    redact(text, secrets)
      .replace(ESCAPE_SEQUENCE, "")
      .replace(LINE_BREAKS, " ")
      .replace(CONTROLS, ""),
    secrets,
  );
  return bounded(stripped, options.maxLength);
}

/**
 * `text` with every known value replaced by `[redacted]`: as given, as it
 * reads once stripped and JSON-escaped (a log line holds values that way),
 * longest first so a value inside another is not half-replaced.
 */
export function redactKnownValues(text: string, secrets: Iterable<string>): string {
  return redact(text, secretForms(secrets));
}

/**
 * A JSON text with every character that JSON.stringify leaves raw but a
 * terminal would act on (C1 controls, DEL, format characters, line and
 * paragraph separators) written as a `\uXXXX` escape: the same JSON value,
 * harmless to print. Characters inside strings only: JSON's own syntax
 * holds none of them.
 */
export function escapeControlsInJson(json: string): string {
  return json.replace(
    /[\x7f-\x9f\p{Cf}\u2028\u2029]/gu,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
}

/** Each secret as given, as it reads once stripped, and JSON-escaped; longest first. */
function secretForms(secrets: Iterable<string> | undefined): string[] {
  const forms = new Set<string>();
  for (const secret of secrets ?? []) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    const stripped = secret
      .replace(ESCAPE_SEQUENCE, "")
      .replace(LINE_BREAKS, " ")
      .replace(CONTROLS, "");
    if (stripped.length >= MIN_SECRET_LENGTH) forms.add(stripped);
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Most texts hold no secret at all: a search costs nothing, a split allocates.
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

function bounded(text: string, maxLength: number | undefined): string {
  if (maxLength === undefined || text.length <= maxLength) return text;
  let cut = maxLength - 1;
  // Not between the two halves of a character outside the BMP (an emoji, say).
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…`;
}
