/**
 * The value of a RAM AccessKey secret: the key pair, the RAM user it
 * belongs to, and when it was made. Alibaba's own RAM secrets use the same
 * field names (`AccessKeyId`, `AccessKeySecret`, `GenerateTimestamp`), so
 * existing readers keep working; `UserName` says whose key it is.
 */
import { z } from "zod";
import { jsonSecretValue } from "../../contract/rotator-contract.ts";

export const ramAccessKeyValueSchema = z.object({
  AccessKeyId: z.string().regex(/^[A-Za-z0-9.]{1,128}$/, "expected an AccessKey id"),
  AccessKeySecret: z.string().min(1).max(256),
  UserName: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, "expected a RAM user name"),
  /** ISO time the key was created; the previous key's grace period counts from it. */
  GenerateTimestamp: z.string().refine((text) => !Number.isNaN(Date.parse(text)), {
    message: "expected an ISO date and time such as 2024-05-01T08:00:00Z",
  }),
});

export type RamAccessKeyValue = z.infer<typeof ramAccessKeyValueSchema>;

export const RAM_ACCESS_KEY_SHAPE =
  '{"AccessKeyId":"LTAI…","AccessKeySecret":"…","UserName":"…","GenerateTimestamp":"2024-05-01T08:00:00Z"}';

// Only the secret half is secret: the id and the user name stay readable in logs and errors.
export const ramAccessKeyCodec = jsonSecretValue(ramAccessKeyValueSchema, RAM_ACCESS_KEY_SHAPE, [
  "AccessKeySecret",
]);
