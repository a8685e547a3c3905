import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../../src/cloud-api/errors.ts";
import {
  parsePublicKeyLine,
  rotationKeyComment,
  withKey,
  withoutKey,
  withoutRotationKeys,
} from "../../../../src/core/rotators/ecs/ecs-authorized-keys.ts";
import { generateSshKeyPair } from "../../../../src/core/rotators/ecs/ecs-key-pair.ts";

const keyLine = async (comment: string) => (await generateSshKeyPair("ed25519", comment)).publicKey;

describe("authorized_keys editing", () => {
  it("appends a key once, keeping a file without a final newline intact", async () => {
    // Prepare
    const mine = await keyLine(rotationKeyComment("app/key", "v2"));
    const before = `# laptop\n${await keyLine("laptop")}`;
    // Act
    const once = withKey(before, mine);
    const twice = withKey(once, mine);
    // Assess
    expect(once).toBe(`${before}\n${mine}\n`);
    expect(twice).toBe(once);
  });

  it("recognises a key already present under another comment or with options", async () => {
    // Prepare
    const mine = await keyLine(rotationKeyComment("app", "v1"));
    const [type, blob] = mine.split(" ");
    const content = `from="10.0.0.0/8" ${type} ${blob} added-by-hand\n`;
    // Act / Assess
    expect(withKey(content, mine)).toBe(content);
  });

  it("removes only this secret's rotation keys outside the kept versions", async () => {
    // Prepare
    const v1 = await keyLine(rotationKeyComment("app", "v1"));
    const v2 = await keyLine(rotationKeyComment("app", "v2"));
    const v3 = await keyLine(rotationKeyComment("app", "v3"));
    const otherSecret = await keyLine(rotationKeyComment("app-2", "v1"));
    const hand = await keyLine("me@laptop");
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

  it("removes a leaked key whatever its comment, and nothing else", async () => {
    // Prepare
    const leaked = await keyLine("installed-by-hand");
    const hand = await keyLine("me@laptop");
    // Act
    const after = withoutKey(`${hand}\n${leaked}\n`, leaked);
    // Assess
    expect(after).toBe(`${hand}\n`);
  });

  it("refuses key lines and tags that could smuggle options or a second line", async () => {
    const good = await keyLine("x");
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
