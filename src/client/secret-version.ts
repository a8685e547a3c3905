/**
 * One version of a secret as the client hands it out. The value sits in a
 * private field behind a getter, so `console.log(secret)`,
 * `JSON.stringify(secret)` and error reporters that dump objects show the
 * version's names and ids but never the value.
 */
import { ValidationError } from "@rotor/cloud-api";

export type SecretDataType = "text" | "binary";

export class SecretVersion {
  readonly secretName: string;
  readonly versionId: string;
  readonly versionStages: readonly string[];
  /** `binary` values are base64, exactly as KMS returns them. */
  readonly dataType: SecretDataType;
  /** When this process received the value (epoch ms). */
  readonly fetchedAt: number;
  readonly #value: string;

  constructor(fields: {
    secretName: string;
    versionId: string;
    versionStages: readonly string[];
    dataType: SecretDataType;
    fetchedAt: number;
    value: string;
  }) {
    this.secretName = fields.secretName;
    this.versionId = fields.versionId;
    this.versionStages = Object.freeze([...fields.versionStages]);
    this.dataType = fields.dataType;
    this.fetchedAt = fields.fetchedAt;
    this.#value = fields.value;
  }

  /** The secret value (base64 for binary secrets). */
  get value(): string {
    return this.#value;
  }

  /**
   * The value parsed as JSON. A value that is not JSON fails with a
   * ValidationError naming the secret and version; the parser's own message
   * is not kept because it quotes the text around the fault.
   */
  json<T = unknown>(): T {
    try {
      return JSON.parse(this.#value) as T;
    } catch (error) {
      const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
      throw new ValidationError(
        `Secret ${JSON.stringify(this.secretName)} (version ${this.versionId}) is not valid JSON` +
          (position === undefined ? "" : ` (error at character ${position})`),
      );
    }
  }

  toJSON(): Record<string, unknown> {
    return {
      secretName: this.secretName,
      versionId: this.versionId,
      versionStages: this.versionStages,
      dataType: this.dataType,
      fetchedAt: this.fetchedAt,
      value: "[redacted]",
    };
  }
}
