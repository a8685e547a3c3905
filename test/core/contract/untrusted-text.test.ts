/**
 * scrubUntrustedText: what a target or a tagger may put in text, and what
 * is left of it to show people; escapeControlsInJson: log lines keep the
 * same JSON value without raw control characters.
 */
import { describe, expect, it } from "vitest";
import {
  escapeControlsInJson,
  scrubUntrustedText,
} from "../../../src/core/contract/untrusted-text.ts";

describe("scrubUntrustedText", () => {
  it.each([
    ["a CSI sequence (clear screen, colour)", "a\x1b[2J\x1b[1;31mb", "ab"],
    ["an 8-bit CSI", "a\x9b31mb", "ab"],
    ["an OSC ended by BEL (window title)", "a\x1b]0;owned\x07b", "ab"],
    [
      "an OSC 8 hyperlink ended by ST",
      "a\x1b]8;;https://x.example/\x1b\\link\x1b]8;;\x1b\\b",
      "alinkb",
    ],
    ["a DCS string", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"],
    ["a two-character escape (reset)", "a\x1bcb", "ab"],
    ["a lone ESC at the end", "ab\x1b", "ab"],
    ["bidi overrides and isolates", "a\u202ecba\u202c\u2066x\u2069b", "acbaxb"],
    ["zero-width characters and a BOM", "a\u200b\u200d\ufeffb", "ab"],
    ["NUL, BEL, backspace and DEL", "a\x00\x07\x08\x7fb", "ab"],
    ["a C1 control (NEL is a line break)", "a\x85b\x8db", "a bb"],
    ["a lone surrogate half", "a\ud800b", "ab"],
  ])("removes %s", (_name, text, expected) => {
    expect(scrubUntrustedText(text)).toBe(expected);
  });

  it("turns every kind of line break and tab into one space, so no line can be forged", () => {
    expect(scrubUntrustedText("denied\r\nrotor: ok\u2028x\u2029y\tz\v\f.")).toBe(
      "denied rotor: ok x y z .",
    );
  });

  it("keeps text people write: letters of any script, emoji, punctuation, spaces", () => {
    const text = "拒绝访问 Zugriff verweigert — l'accès 🙂 (code 1045)   ok";
    expect(scrubUntrustedText(text)).toBe(text);
  });

  it("redacts known values, longest first, and ignores ones too short to be told from chance", () => {
    const text = "sent hunter2-long and hunter2-long-er, pin 123";
    expect(scrubUntrustedText(text, { secrets: ["hunter2-long", "hunter2-long-er", "123"] })).toBe(
      "sent [redacted] and [redacted], pin 123",
    );
  });

  it("redacts a value a control character was slipped into, and one holding control characters", () => {
    expect(scrubUntrustedText("got hunt\x1b[0mer2-long", { secrets: ["hunter2-long"] })).toBe(
      "got [redacted]",
    );
    expect(scrubUntrustedText("got pass\nword-9", { secrets: ["pass\nword-9"] })).toBe(
      "got [redacted]",
    );
    expect(scrubUntrustedText('json "pass\\nword-9"', { secrets: ["pass\nword-9"] })).toBe(
      'json "[redacted]"',
    );
  });

  it("cuts text longer than maxLength and says so, never inside a character", () => {
    expect(scrubUntrustedText("abcdef", { maxLength: 4 })).toBe("abc…");
    expect(scrubUntrustedText("abcd", { maxLength: 4 })).toBe("abcd");
    const cut = scrubUntrustedText("ab🙂🙂", { maxLength: 4 });
    expect(cut).toBe("ab…");
    expect(cut.length).toBeLessThanOrEqual(4);
  });

  it("redacts before it cuts, so no part of a value survives at the end", () => {
    const secret = "s3cret-value-0123456789";
    const cut = scrubUntrustedText(`${"x".repeat(20)}${secret}`, {
      secrets: [secret],
      maxLength: 25,
    });
    expect(cut).toBe(`${"x".repeat(20)}[red…`);
  });
});

describe("escapeControlsInJson", () => {
  it("escapes what JSON.stringify leaves raw, and the JSON value stays the same", () => {
    const value = { error: "a\x9b31m\x7f\u202eb\u2028c\u200bd", plain: "拒绝 🙂" };
    const json = escapeControlsInJson(JSON.stringify(value));
    expect(json).not.toMatch(/[\x7f-\x9f\p{Cf}\u2028\u2029]/u);
    expect(JSON.parse(json)).toEqual(value);
  });
});
