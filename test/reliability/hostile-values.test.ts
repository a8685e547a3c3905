/**
 * Hostile values and callers for the generic rotator: an oversized secret,
 * shell and SQL metacharacters in every field, and wrong credentials. Each
 * ends in a correct rotation or a clear error that changes nothing and
 * quotes no value.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/engine/json-logger.ts";
import { RotationEngine } from "../../src/core/engine/rotation-engine.ts";
import { rotatorRegistry } from "../../src/core/rotators/registry.ts";
import { type RotationHarness, startRotationHarness } from "../../src/testing/rotation-harness.ts";

const METACHARACTERS = `'"\\;$(rm -rf /)\`id\`|&<>*?%_{}[]\n\t`;

describe("generic rotation with hostile values and callers", () => {
  let harness: RotationHarness;
  beforeAll(async () => {
    harness = await startRotationHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  const current = async (name: string) =>
    (await harness.admin.getSecretValue({ secretName: name })).secretData;

  it("rotates an oversized JSON secret (28 KB) and keeps every other field intact", async () => {
    // Prepare
    const name = harness.uniqueName("hostile/oversized");
    const filler = randomBytes(10_500).toString("base64"); // 14,000 characters
    const initial = JSON.stringify({
      AccountName: "app",
      AccountPassword: `Old-${randomBytes(12).toString("hex")}`,
      certificate: filler,
      notes: filler,
    });
    await harness.createSecret({ name, data: initial, tags: { "rotor:rotator": "generic" } });
    // Act
    const result = await harness.engine().rotate({ secretName: name });
    // Assess
    expect(result.outcome).toBe("rotated");
    await harness.assertConsistent(name);
    const before = JSON.parse(initial) as Record<string, string>;
    const after = JSON.parse(await current(name)) as Record<string, string>;
    expect(after.AccountPassword).not.toBe(before.AccountPassword);
    expect({ ...after, AccountPassword: "" }).toEqual({ ...before, AccountPassword: "" });
  });

  it("rotates a secret whose every field holds shell and SQL metacharacters, keeping them byte for byte", async () => {
    // Prepare
    const name = harness.uniqueName("hostile/metacharacters");
    const initial = JSON.stringify({
      AccountName: `app${METACHARACTERS}`,
      AccountPassword: `pw${METACHARACTERS}${randomBytes(6).toString("hex")}`,
      [`key${METACHARACTERS}`]: METACHARACTERS,
    });
    await harness.createSecret({ name, data: initial, tags: { "rotor:rotator": "generic" } });
    // Act
    const result = await harness.engine().rotate({ secretName: name });
    // Assess
    expect(result.outcome).toBe("rotated");
    const after = JSON.parse(await current(name)) as Record<string, string>;
    expect(after.AccountName).toBe(`app${METACHARACTERS}`);
    expect(after[`key${METACHARACTERS}`]).toBe(METACHARACTERS);
    expect(after.AccountPassword).toMatch(/^[A-Za-z0-9\-_.+^]+$/);
    const oldPassword = (JSON.parse(initial) as { AccountPassword: string }).AccountPassword;
    expect(harness.logLines.some((line) => line.includes(oldPassword))).toBe(false);
  });

  it("refuses a caller with a wrong AccessKey secret with a clear error and changes nothing", async () => {
    // Prepare
    const name = harness.uniqueName("hostile/wrong-key");
    const initial = JSON.stringify({
      AccountName: "app",
      AccountPassword: `Old-${randomBytes(12).toString("hex")}`,
    });
    await harness.createSecret({ name, data: initial, tags: { "rotor:rotator": "generic" } });
    const wrongSecret = randomBytes(24).toString("base64url");
    const engine = new RotationEngine({
      kms: {
        endpoint: harness.cloud.endpoint,
        credentials: {
          accessKeyId: harness.cloud.credentials.accessKeyId,
          accessKeySecret: wrongSecret,
        },
        retry: { attempts: 1 },
      },
      rotators: rotatorRegistry(),
      log: createJsonLogger(() => {}),
    });
    // Act
    const failure = await engine.rotate({ secretName: name }).then(
      () => undefined,
      (error: Error) => error,
    );
    // Assess
    expect(failure?.message).toMatch(/SignatureDoesNotMatch|signature/i);
    expect(failure?.message.includes(wrongSecret)).toBe(false);
    expect(await current(name)).toBe(initial);
    expect(await harness.versions(name)).toHaveLength(1);
  });

  it("refuses an unknown AccessKey id with a clear error and changes nothing", async () => {
    // Prepare
    const name = harness.uniqueName("hostile/unknown-key");
    const initial = JSON.stringify({
      AccountName: "app",
      AccountPassword: `Old-${randomBytes(12).toString("hex")}`,
    });
    await harness.createSecret({ name, data: initial, tags: { "rotor:rotator": "generic" } });
    const engine = new RotationEngine({
      kms: {
        endpoint: harness.cloud.endpoint,
        credentials: {
          accessKeyId: `LTAI${randomBytes(8).toString("hex")}`,
          accessKeySecret: "x".repeat(30),
        },
        retry: { attempts: 1 },
      },
      rotators: rotatorRegistry(),
      log: createJsonLogger(() => {}),
    });
    // Act
    const failure = await engine.rotate({ secretName: name }).then(
      () => undefined,
      (error: Error) => error,
    );
    // Assess
    expect(failure?.message).toMatch(/AccessKey|InvalidAccessKeyId/i);
    expect(await current(name)).toBe(initial);
    expect(await harness.versions(name)).toHaveLength(1);
  });
});
