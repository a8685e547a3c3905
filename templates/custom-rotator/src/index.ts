/**
 * The Function Compute entry point (s.yaml: `handler: index.handler`, built
 * to dist/index.mjs by `npm run build`). Secrets tagged
 * `rotor:rotator=api-token` and `rotor:function=<this function's name>` are
 * rotated here; the scheduler of a Rotor deployment invokes it for them.
 */
import { ConfigError } from "@rotor/core";
import { createRotationHandler } from "@rotor/core/functions";
import { apiTokenRotator } from "./my-rotator.ts";

/** The token service's address, set in s.yaml: deploy-time configuration. */
function serviceUrl(): string {
  const url = process.env.TOKEN_SERVICE_URL;
  if (!url) throw new ConfigError("TOKEN_SERVICE_URL is not set: the token service's address");
  return url;
}

export const handler = createRotationHandler({
  rotators: [apiTokenRotator({ serviceUrl: serviceUrl() })],
});
