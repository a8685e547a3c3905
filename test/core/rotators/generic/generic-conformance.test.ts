import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { genericRotator } from "../../../../src/core/rotators/generic/generic-rotator.ts";
import { testRotator } from "../../../../src/testing/test-rotator.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.ts";

// The generic rotator with a webhook target, through the conformance suite
// every rotator passes.
const key = randomBytes(32).toString("hex");
let receiver: WebhookReceiver;
let keySecret: string | undefined;

beforeAll(async () => {
  receiver = await startWebhookReceiver(key);
  // The deployment of the function under test lets it call this receiver.
  process.env.ROTOR_WEBHOOK_ORIGINS = receiver.origin;
});
afterAll(async () => {
  await receiver?.close();
});

testRotator({
  rotator: genericRotator,
  async prepare(harness) {
    if (keySecret === undefined) {
      keySecret = harness.uniqueName("webhook-key");
      await harness.createSecret({ name: keySecret, data: key, tags: {} });
    }
    const password = randomBytes(18).toString("base64url");
    const data = JSON.stringify({
      AccountName: `app_${randomUUID().slice(0, 8)}`,
      AccountPassword: password,
    });
    receiver.accepted.add(password);
    return {
      data,
      tags: {
        "rotor:rotator": "generic",
        "rotor:webhook-url": receiver.url,
        "rotor:webhook-key-secret": keySecret,
      },
      async verify(current) {
        const { AccountPassword } = JSON.parse(current) as { AccountPassword: string };
        if (!receiver.accepted.has(AccountPassword))
          throw new Error("the webhook target does not hold ACSCurrent");
      },
    };
  },
  badValues: [
    { data: '{"AccountName":"app","Password":"x"}', error: /no field AccountPassword/ },
    {
      data: '{"AccountName":"app","AccountPassword":42}',
      error: /field AccountPassword must be a string/,
    },
    { data: '{"AccountName": "app", "AccountPassword": ', error: /not valid JSON/ },
  ],
});
