import { describe, expect, it } from "vitest";
import { createJsonLogger } from "../../../src/core/engine/json-logger.ts";

describe("JSON logger", () => {
  it("scrubs registered secrets, raw and JSON-escaped, from every field and child logger", () => {
    // Prepare
    const lines: string[] = [];
    const log = createJsonLogger((line) => lines.push(line), { component: "test" });
    const secret = 'pa"ss\\word-123';
    log.redact(secret);
    // Act
    log.info("step", { detail: `login with ${secret} failed` });
    log.child({ secret: "app/db" }).warn("retry", { error: new Error(secret).message });
    // Assess
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(line).toContain("[redacted]");
    }
    expect(JSON.parse(lines[1] as string)).toMatchObject({
      level: "warn",
      event: "retry",
      secret: "app/db",
    });
  });

  it("blanks fields named like secret material even when the value was never registered", () => {
    // Prepare
    const lines: string[] = [];
    const log = createJsonLogger((line) => lines.push(line));
    // Act
    log.info("oops", {
      nested: { AccountPassword: "never-registered-1", SecretData: "never-registered-2" },
    });
    // Assess
    expect(lines[0]).not.toContain("never-registered");
    expect(JSON.parse(lines[0] as string).nested).toEqual({
      AccountPassword: "[redacted]",
      SecretData: "[redacted]",
    });
  });
});
