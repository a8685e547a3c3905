/**
 * Text a target chose reaches people only scrubbed. Whoever runs a database
 * server chooses its error messages; a rogue MySQL server on loopback
 * refuses every login with text that clears the screen, plants a hyperlink,
 * breaks the line to forge a "succeeded" line of its own, reverses what
 * follows with bidi controls, echoes the account's password and runs on for
 * pages. The rotate-mysql function (running as the template's role) fails on
 * it, FC hands the failure to on-failure, which tags the secret and notifies
 * a recording webhook; then `rotor history` and `rotor status` show the
 * secret, and `rotor invoke` runs the function once more in the terminal. In the tag, the notification and every line the
 * CLI prints the server's words still arrive (so the test is not vacuous),
 * but without a control character, a forged line, the password, or more
 * than the sink's length.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { main } from "../../src/cli/main.ts";
import { defineRotator, textSecretValue } from "../../src/core/contract/rotator-contract.ts";
import { createRotationHandler } from "../../src/core/functions/create-rotation-handler.ts";
import { FcClient } from "../../src/core/scheduler/fc-client.ts";
import { invokeForOutcome } from "../deploy/support/invoke-for-outcome.ts";
import { deployAsRole, renderedPolicy } from "../deploy/support/policy-proof.ts";
import { startTestCloud, type TestCloud } from "../support/local-cloud.ts";
import { type ErrorTextServer, startErrorTextServer } from "./support/error-text-server.ts";

/** Anything a terminal or a chat client would act on rather than show: C0/C1, DEL, format (bidi, zero-width) and line/paragraph separators. */
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const VISIBLE = "Host is not allowed to connect";
const FORGED = "rotor: rotation of every secret succeeded";

/**
 * A user's rotator whose target echoes what it was sent, and which passes
 * the target's answer on as it came: the values must still not leave the
 * function, whichever rotator forgot to redact them.
 */
const echoingRotator = defineRotator({
  kind: "echoing-target",
  description: "a target whose refusal quotes the values it was sent",
  value: textSecretValue(),
  config: z.object({}).passthrough(),
  async createValue() {
    return `new-${randomBytes(12).toString("hex")}`;
  },
  async apply({ current, pending }) {
    throw new Error(`the target refused ${pending} (still on ${current})\x1b[2J\r\n${FORGED}`);
  },
  async test() {},
});

describe("text from a target is scrubbed before it reaches tags, notifications and the CLI", () => {
  let cloud: TestCloud;
  let rogue: ErrorTextServer;
  let webhook: Server;
  const notifications: unknown[] = [];
  const password = `Pw-${randomBytes(12).toString("hex")}`;
  const secretName = `rotor/mysql/rogue-${randomBytes(4).toString("hex")}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    const rogueText = [
      VISIBLE,
      "\x1b[2J\x1b[H", // clear the screen, cursor home
      "\x1b]8;;https://attacker.example/\x07click here\x1b]8;;\x07", // OSC 8 hyperlink
      "\x9b31m", // an 8-bit CSI: red
      "\r\n",
      FORGED,
      "\u202e\u2066dlrow\u2069", // right-to-left override and isolate
      ` your password is ${password} `,
      "\u2028",
      "x".repeat(4000),
    ].join("");
    rogue = await startErrorTextServer(rogueText);
    webhook = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        notifications.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        response.end("ok");
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    cloud = await startTestCloud({ inMemory: true });
    env = {
      ROTOR_ENDPOINT: cloud.endpoint,
      ALIBABA_CLOUD_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: cloud.credentials.accessKeySecret,
    };
    await deployAsRole(cloud, {
      entry: "on-failure",
      functionName: "on-failure",
      policy: await renderedPolicy("on-failure"),
      environment: {
        ROTOR_NOTIFY_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
        ROTOR_NOTIFY_FORMAT: "slack",
      },
    });
    await deployAsRole(cloud, {
      entry: "rotate-mysql",
      functionName: "rotate-mysql",
      policy: await renderedPolicy("rotate-mysql"),
      async: { maxRetries: 0, onFailure: "on-failure" },
    });
    await storeRogueSecret(secretName);
  });

  /** The secret's owner points it at the server they run: a single-user login, no master secret. */
  async function storeRogueSecret(name: string) {
    await cloud.kms.createSecret({
      secretName: name,
      versionId: "v0",
      secretData: JSON.stringify({
        AccountName: "app",
        AccountPassword: password,
        engine: "mysql",
        host: rogue.host,
        port: rogue.port,
        mode: "single",
      }),
      tags: [{ key: "rotor:rotator", value: "mysql" }],
    });
  }
  afterAll(async () => {
    await cloud?.close();
    await rogue?.close();
    await new Promise((resolve) => webhook?.close(resolve));
  });

  async function cli(args: string[]) {
    const lines: string[] = [];
    const code = await main(args, {
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
      env,
    });
    return { code, lines };
  }

  /** What every sink must hold: the server's words, none of its controls, no forged line, no password. */
  function expectScrubbed(text: string, maxLength: number) {
    expect(text).toContain(VISIBLE);
    expect(text).not.toMatch(CONTROL);
    expect(text).not.toContain(password);
    expect(text.length).toBeLessThanOrEqual(maxLength);
  }

  it("the failure tag and the chat notification carry the server's words without its controls", async () => {
    // Act: the function fails on the rogue server; FC hands the failure to on-failure
    const fc = new FcClient({ endpoint: cloud.endpoint, credentials: cloud.credentials });
    await fc.invokeAsync("rotate-mysql", { SecretName: secretName });
    await cloud.fc.idle();
    await cloud.fc.idle();

    // Assess: the server was reached and refused, and the secret is unchanged
    expect(rogue.connections).toBeGreaterThan(0);
    const described = await cloud.kms.describeSecret({ secretName, fetchTags: true });
    const tags = Object.fromEntries(described.tags.map((tag) => [tag.key, tag.value]));
    expect(tags["rotor:status"]).toBe("failed");
    expectScrubbed(tags["rotor:last-error"] ?? "", 256);
    expect((await cloud.kms.getSecretValue({ secretName })).versionId).toBe("v0");

    expect(notifications).toHaveLength(1);
    const { text } = notifications[0] as { text: string };
    expectScrubbed(text, 1000);
    expect(text).toContain(secretName);
  });

  it("`rotor history` and `rotor status` print the recorded failure without its controls", async () => {
    for (const command of ["history", "status"]) {
      // Act
      const { code, lines } = await cli([command, secretName]);
      const json = await cli([command, secretName, "--json"]);

      // Assess: every line printed is free of controls, and none is the forged one
      expect(code, command).toBe(0);
      expect(json.code, command).toBe(0);
      // Pretty-printed JSON spans lines: look at each.
      const printed = [...lines, ...json.lines].flatMap((text) => text.split("\n"));
      for (const line of printed) {
        expect(line, command).not.toMatch(CONTROL);
        expect(line, command).not.toContain(password);
        expect(line.trimStart().startsWith(FORGED), command).toBe(false);
      }
    }
    const history = await cli(["history", secretName]);
    expect(history.lines.join("\n")).toContain(VISIBLE);
  });

  it("a rotation's error leaves the function without a value the invocation handled", async () => {
    // Prepare
    cloud.fc.deploy({
      name: "rotate-echoing",
      handler: createRotationHandler({ rotators: [echoingRotator], write: () => {} }),
      environment: { ROTOR_ENDPOINT: cloud.endpoint },
    });
    const name = `rotor/echo/${randomBytes(4).toString("hex")}`;
    const current = `current-${randomBytes(12).toString("hex")}`;
    await cloud.kms.createSecret({
      secretName: name,
      versionId: "v0",
      secretData: current,
      tags: [{ key: "rotor:rotator", value: "echoing-target" }],
    });

    // Act
    const outcome = await invokeForOutcome(cloud, "rotate-echoing", { SecretName: name });

    // Assess: the target's words are there, the values (both stored in KMS) and controls are not
    const { versions } = await cloud.kms.listSecretVersionIds({ secretName: name });
    const pendingId = versions.find((v) => v.versionStages.includes("ACSPending"))?.versionId;
    const pending = (await cloud.kms.getSecretValue({ secretName: name, versionId: pendingId }))
      .secretData;
    expect(outcome.ok).toBe(false);
    const message = outcome.ok ? "" : outcome.errorMessage;
    expect(message).toContain("the target refused [redacted] (still on [redacted])");
    expect(message).not.toMatch(CONTROL);
    expect(message).not.toContain(pending);
    expect(message).not.toContain(current);
  });

  it("`rotor invoke` prints the function's failure on one bounded line without its controls", async () => {
    // Prepare: a secret of its own (the first one's failed rotation still holds its lease)
    const name = `rotor/mysql/rogue-${randomBytes(4).toString("hex")}`;
    await storeRogueSecret(name);

    // Act
    const { code, lines } = await cli([
      "invoke",
      "rotate-mysql",
      "--event",
      JSON.stringify({ SecretName: name }),
    ]);

    // Assess: the function's log lines ("log: …") and its failure, each one clean line
    expect(code).toBe(1);
    const printed = lines.flatMap((text) => text.split("\n"));
    for (const line of printed) {
      expect(line).not.toMatch(CONTROL);
      expect(line).not.toContain(password);
      expect(line.trimStart().startsWith(FORGED)).toBe(false);
    }
    const failures = printed.filter((line) => line.startsWith("rotor invoke:"));
    expect(failures).toHaveLength(1);
    expectScrubbed(failures[0] ?? "", 2000);
    expect((await cloud.kms.getSecretValue({ secretName: name })).versionId).toBe("v0");
  });
});
