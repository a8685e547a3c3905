/**
 * The generic rotator (`rotor:rotator=generic`): a text secret becomes a new
 * random value; a JSON secret gets a new random value in one field (default
 * AccountPassword) and keeps every other field. With a webhook the value is
 * applied and tested by the receiving service; without one there is no
 * target, and the rotation only changes the value in KMS.
 */
import { defineRotator } from "../contract.ts";
import { type GenericConfig, genericConfigSchema } from "./generic-config.ts";
import { generateValue } from "./generic-generator.ts";
import { type GenericValue, genericValueCodec, rotatedField } from "./generic-value.ts";
import { callWebhook, webhookUrl } from "./generic-webhook.ts";

export const genericRotator = defineRotator<GenericValue, GenericConfig>({
  kind: "generic",
  description: "a random text value, or a random value in one field of a JSON value",
  value: genericValueCodec,
  config: genericConfigSchema,

  async createValue(current, ctx) {
    // Check the field before spending a KMS call on a value that cannot be placed.
    const field =
      current.kind === "json" ? rotatedField(current, ctx.config.field, ctx.secretName) : "";
    webhookUrl(ctx.config);
    const fresh = await generateValue(ctx);
    if (current.kind === "text") return { kind: "text", text: fresh };
    return { kind: "json", fields: { ...current.fields, [field]: fresh } };
  },

  async apply({ pending }, ctx) {
    const url = webhookUrl(ctx.config);
    if (!url) return;
    await callWebhook(
      url,
      {
        action: "set",
        versionId: ctx.versionIds.pending,
        value: genericValueCodec.format(pending),
      },
      ctx,
    );
  },

  async test(value, ctx) {
    if (value.kind === "json") rotatedField(value, ctx.config.field, ctx.secretName);
    const url = webhookUrl(ctx.config);
    if (!url) return;
    await callWebhook(
      url,
      { action: "test", versionId: ctx.versionIds.pending, value: genericValueCodec.format(value) },
      ctx,
    );
  },
});
