/**
 * The generic rotator (`rotor:rotator=generic`): a text secret becomes a new
 * random value; a JSON secret gets a new random value in one field (default
 * AccountPassword) and keeps every other field. With a webhook the value is
 * applied and tested by the receiving service; without one there is no
 * target, and the rotation only changes the value in KMS. Where a webhook
 * may be, and how strong a value must be, the deployment decides
 * (webhook-target.ts, password-floor.ts).
 */

import { checkPrivilegedSecretName } from "../../contract/privileged-secret.ts";
import { defineRotator } from "../../contract/rotator-contract.ts";
import { type GenericConfig, genericConfigSchema } from "./generic-config.ts";
import { generateValue } from "./generic-generator.ts";
import {
  type GenericValue,
  genericValueCodec,
  rotatedField,
  rotatedPart,
} from "./generic-value.ts";
import { callWebhook, WEBHOOK_KEY_ROLE } from "./generic-webhook.ts";
import { resolveWebhookAddress, webhookTarget } from "./webhook-target.ts";

export const genericRotator = defineRotator<GenericValue, GenericConfig>({
  kind: "generic",
  description: "a random text value, or a random value in one field of a JSON value",
  value: genericValueCodec,
  config: genericConfigSchema,

  async createValue(current, ctx) {
    // Check the field and the webhook before spending a KMS call on a value that cannot be placed.
    const field =
      current.kind === "json" ? rotatedField(current, ctx.config.field, ctx.secretName) : "";
    const target = webhookTarget(ctx.config, ctx.policy, ctx.secretName);
    // Refused here, nothing is stored; each call checks again, and that check decides.
    if (target) {
      checkPrivilegedSecretName(ctx, ctx.config["webhook-key-secret"] as string, WEBHOOK_KEY_ROLE);
      await resolveWebhookAddress(target, ctx.secretName);
    }
    const fresh = await generateValue(ctx);
    if (current.kind === "text") return { kind: "text", text: fresh };
    return { kind: "json", fields: { ...current.fields, [field]: fresh } };
  },

  async apply({ pending }, ctx) {
    const target = webhookTarget(ctx.config, ctx.policy, ctx.secretName);
    if (!target) return;
    await callWebhook(
      target,
      {
        action: "set",
        versionId: ctx.versionIds.pending,
        ...rotatedPart(pending, ctx.config.field, ctx.secretName),
      },
      ctx,
    );
  },

  async test(value, ctx) {
    const part = rotatedPart(value, ctx.config.field, ctx.secretName);
    const target = webhookTarget(ctx.config, ctx.policy, ctx.secretName);
    if (!target) return;
    await callWebhook(target, { action: "test", versionId: ctx.versionIds.pending, ...part }, ctx);
  },
});
