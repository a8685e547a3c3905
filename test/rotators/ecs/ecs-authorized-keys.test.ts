import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors.ts";
import {
  parsePublicKeyLine,
  rotationKeyComment,
  withKey,
  withoutKey,
  withoutRotationKeys,
} from "../../../src/rotators/ecs/ecs-authorized-keys.ts";
import { generateSshKeyPair } from "../../../src/rotators/ecs/ecs-key-pair.ts";

const keyLine = (comment: string) => generateSshKeyPair("ed25519", comment).publicKey;

describe("authorized_keys editing", () => {
  it("appends a key once, keeping a file without a final newline intact", () => {
    // Prepare
    const mine = keyLine(rotationKeyComment("app/key", "v2"));
    const before = `# laptop\n${keyLine("laptop")}`;
    // Act
    const once = withKey(before, mine);
    const twice = withKey(once, mine);
    // Assess
    expect(once).toBe(`${before}\n${mine}\n`);
    expect(twice).toBe(once);
  });

  it("recognises a key already present under another comment or with options", () => {
    // Prepare
    const mine = keyLine(rotationKeyComment("app", "v1"));
    const [type, blob] = mine.split(" ");
    const content = `from="10.0.0.0/8" ${type} ${blob} added-by-hand\n`;
    // Act / Assess
    expect(withKey(content, mine)).toBe(content);
  });

  it("removes only this secret's rotation keys outside the kept versions", () => {
    // Prepare
    const v1 = keyLine(rotationKeyComment("app", "v1"));
    const v2 = keyLine(rotationKeyComment("app", "v2"));
    const v3 = keyLine(rotationKeyComment("app", "v3"));
    const otherSecret = keyLine(rotationKeyComment("app-2", "v1"));
    const hand = keyLine("me@laptop");
    const content = [
      "# keep this comment: rotor:app:v1",
      v1,
      "",
      hand,
      v2,
      otherSecret,
      v3,
      "",
    ].join("\n");
    // Act
    const after = withoutRotationKeys(content, "app", new Set(["v2", "v3"]));
    // Assess
    expect(after).toBe(
      ["# keep this comment: rotor:app:v1", "", hand, v2, otherSecret, v3, ""].join("\n"),
    );
    expect(withoutRotationKeys(after, "app", new Set(["v2", "v3"]))).toBe(after);
  });

  it("removes a leaked key whatever its comment, and nothing else", () => {
    // Prepare
    const leaked = keyLine("installed-by-hand");
    const hand = keyLine("me@laptop");
    // Act
    const after = withoutKey(`${hand}\n${leaked}\n`, leaked);
    // Assess
    expect(after).toBe(`${hand}\n`);
  });

  it("refuses key lines and tags that could smuggle options or a second line", () => {
    const good = keyLine("x");
    for (const bad of [
      `${good}\ncommand="sh" ${good}`,
      `command="sh" ${good}`,
      "ssh-ed25519 AAAA$(id)",
      "",
      "ssh-dss AAAA",
    ]) {
      expect(() => parsePublicKeyLine(bad, "PublicKey")).toThrow(ValidationError);
    }
    expect(() => rotationKeyComment("app", "v1 evil")).toThrow(ValidationError);
    expect(() => rotationKeyComment("app name", "v1")).toThrow(ValidationError);
  });
});
