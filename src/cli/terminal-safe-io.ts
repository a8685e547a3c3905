/**
 * Everything `rotor` prints goes through here. Output quotes text Rotor did
 * not write (tag values anyone with TagResource set, a target's error
 * messages, a function's log lines), and a terminal acts on what it is
 * sent: an escape sequence can clear the screen, retitle the window or
 * plant a link, a bidi control can make a line read backwards. Each line is
 * scrubbed (src/core/contract/untrusted-text.ts); the line breaks the command itself
 * wrote (help text, pretty-printed JSON) stay.
 */
import { scrubUntrustedText } from "@rotor/core";
import type { CliIo } from "./command.ts";

export function terminalSafeIo(io: CliIo): CliIo {
  const safe = (text: string) =>
    text
      .split("\n")
      .map((line) => scrubUntrustedText(line))
      .join("\n");
  return { ...io, out: (text) => io.out(safe(text)), err: (text) => io.err(safe(text)) };
}
