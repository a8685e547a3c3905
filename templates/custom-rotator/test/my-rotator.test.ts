/**
 * The conformance suite every rotator must pass before it rotates anything
 * real (`npm test`): a full rotation; every step run twice; a crash before
 * each call to KMS or the service, then an invocation that resumes;
 * concurrent scheduled and emergency invocations; bad values refused with
 * no write; no secret in any log line. It runs Rotor's engine against a
 * local cloud started in this process.
 */
import { testRotator } from "@rotor/testing";
import { afterAll } from "vitest";
import { apiTokenRotator } from "../src/my-rotator.ts";
import { startTokenService } from "./support/token-service.ts";

// Started before the suite is declared: the rotator is given its address.
const service = await startTokenService();
afterAll(() => service.close());

testRotator({
  rotator: apiTokenRotator({ serviceUrl: service.url }),
  async prepare() {
    // Each secret starts with a token the service has issued.
    return {
      data: JSON.stringify({ Token: service.issueToken() }),
      tags: { "rotor:rotator": "api-token" },
      async verify(data) {
        const { Token } = JSON.parse(data) as { Token: string };
        if (!service.accepts(Token)) throw new Error("the service refuses the secret's token");
      },
    };
  },
  // Values the rotator must refuse, and the error naming what is wrong.
  badValues: [
    { data: "not json", error: /not JSON/ },
    { data: '{"Token":"short"}', error: /Token/ },
  ],
});
