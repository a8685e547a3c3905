import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { generateSshKeyPair } from "../../../../src/core/rotators/ecs/ecs-key-pair.ts";

// The Cloud Assistant key check parses the private key; a generated key
// ssh2 cannot read (about 1 ed25519 key in 200 before the redraw) would
// fail a rotation at random.
describe("generated SSH key pairs", () => {
  it("are all readable by the SSH client that logs in with them", async () => {
    // Act
    const unreadable = [];
    for (let i = 0; i < 1500; i++) {
      const pair = await generateSshKeyPair("ed25519", `rotor:readable:v${i}`);
      if (ssh2.utils.parseKey(pair.privateKey) instanceof Error) unreadable.push(pair);
    }
    // Assess
    expect(unreadable).toHaveLength(0);
  }, 60_000);
});
