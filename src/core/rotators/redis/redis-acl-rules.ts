/**
 * An ACL user as `ACL GETUSER` describes it, and the `ACL SETUSER`
 * arguments that give another user exactly the same rules: the commands it
 * may run (categories, commands, subcommands and first arguments), the keys
 * it may touch (with Redis 7's read/write permissions, `%R~…`, `%W~…`), the
 * Pub/Sub channels it may use, its Redis 7 selectors (each a further set of
 * commands, keys and channels, written in parentheses), and whether RESTORE
 * payloads are sanitized for it. Passwords, `on`/`off` and `nopass` are the
 * user's own and never copied.
 *
 * The rules are taken from the server's own description, which Redis
 * writes in one normal form: replaying it onto a user whose rules were
 * cleared gives a description that reads the same, which is how a copy is
 * checked (sameRules).
 *
 * Redis 7 describes keys and channels as one string of patterns; Redis 6
 * as a list of bare patterns, with `allkeys` and `allchannels` flags and no
 * selectors. Both are read.
 */
import { createHash } from "node:crypto";

/** Flags that are rules rather than state, copied with them. */
const RULE_FLAGS = ["sanitize-payload", "skip-sanitize-payload"] as const;

export interface AclUser {
  flags: readonly string[];
  /** SHA-256 of each password, in hex, as the server keeps them. */
  passwordHashes: readonly string[];
  /** What SETUSER takes, after clearingRules, to give another user these rules, in the server's order. */
  rules: readonly string[];
  /** The server knows channels (Redis 6.2+) and selectors (Redis 7+): what clearing needs to name. */
  knows: { channels: boolean; selectors: boolean };
}

/** What ACL SETUSER stores for a password (`#<hash>`), so a password never travels in a command. */
export function aclPasswordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/** `ACL GETUSER`'s flat list of names and values read into an AclUser. */
export function parseAclUser(reply: unknown): AclUser {
  const fields = pairs(reply);
  const flags = list(fields.get("flags"));
  const knows = { channels: fields.has("channels"), selectors: fields.has("selectors") };
  const rules = [
    ...RULE_FLAGS.filter((flag) => flags.includes(flag)),
    ...keyRules(fields.get("keys"), flags),
    ...(knows.channels ? ["resetchannels", ...channelRules(fields.get("channels"), flags)] : []),
    ...words(fields.get("commands")),
    ...selectors(fields.get("selectors")).map(selectorRule),
  ];
  return { flags, passwordHashes: list(fields.get("passwords")), rules, knows };
}

/** The arguments that take every rule off a user (and none of its passwords or its on/off state). */
export function clearingRules(knows: AclUser["knows"]): string[] {
  return [
    "resetkeys",
    ...(knows.channels ? ["resetchannels"] : []),
    ...(knows.selectors ? ["clearselectors"] : []),
    "-@all",
  ];
}

/** True when both users may do exactly the same. */
export function sameRules(a: AclUser, b: AclUser): boolean {
  return (
    a.rules.length === b.rules.length && a.rules.every((rule, index) => rule === b.rules[index])
  );
}

/** Which parts of the rules differ, by name (never the patterns themselves: they name the application's keys). */
export function differingParts(a: AclUser, b: AclUser): string[] {
  const part = (rule: string) => {
    if (rule.startsWith("(")) return "selectors";
    if (rule === "resetchannels" || rule.startsWith("&")) return "channels";
    if (/^(%[RW]*)?~/.test(rule)) return "keys";
    if ((RULE_FLAGS as readonly string[]).includes(rule)) return "flags";
    return "commands";
  };
  const parts = new Set<string>();
  const longest = Math.max(a.rules.length, b.rules.length);
  for (let index = 0; index < longest; index++) {
    const left = a.rules[index];
    const right = b.rules[index];
    if (left !== right) {
      if (left !== undefined) parts.add(part(left));
      if (right !== undefined) parts.add(part(right));
    }
  }
  return [...parts].sort();
}

function pairs(reply: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (!Array.isArray(reply)) return fields;
  for (let index = 0; index + 1 < reply.length; index += 2) {
    fields.set(String(reply[index]), reply[index + 1]);
  }
  return fields;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.map((entry) => String(entry)) : [];
}

function selectors(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A Redis 7 rule string split into its rules. */
function words(value: unknown): string[] {
  return typeof value === "string" ? value.split(" ").filter((word) => word !== "") : [];
}

function keyRules(value: unknown, flags: readonly string[]): string[] {
  if (Array.isArray(value)) {
    // Redis 6: bare patterns, and `allkeys` for every key.
    const patterns = value.map((pattern) => `~${String(pattern)}`);
    return flags.includes("allkeys") && !patterns.includes("~*") ? ["~*", ...patterns] : patterns;
  }
  return words(value);
}

function channelRules(value: unknown, flags: readonly string[]): string[] {
  if (Array.isArray(value)) {
    const patterns = value.map((pattern) => `&${String(pattern)}`);
    return flags.includes("allchannels") && !patterns.includes("&*")
      ? ["&*", ...patterns]
      : patterns;
  }
  return words(value);
}

/** One selector as SETUSER takes it: its keys, channels and commands in parentheses. */
function selectorRule(selector: unknown): string {
  const fields = pairs(selector);
  const parts = [
    ...words(fields.get("keys")),
    "resetchannels",
    ...words(fields.get("channels")),
    ...words(fields.get("commands")),
  ];
  return `(${parts.join(" ")})`;
}
