/**
 * What the conformance suite needs from a KMS client: call an action with
 * its wire parameters and get the wire JSON body back, or a WireError
 * holding the error envelope. One driver per client (the official SDKs and
 * ours) lets one scenario list run against each of them.
 */

/** A response body as KMS sends it: PascalCase keys, `{"X":{"Y":[…]}}` lists. */
export type WireBody = Record<string, unknown>;

export interface KmsDriver {
  /** Shown in test names. */
  name: string;
  call(action: string, params: Readonly<Record<string, string>>): Promise<WireBody>;
}

/** The error envelope a client surfaced, whichever client it was. */
export class WireError extends Error {
  override name = "WireError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    /** The envelope as the client exposed it (RequestId, HostId, Code, Message, Recommend). */
    readonly envelope: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface KmsDriverFactory {
  name: string;
  create(cloud: {
    endpoint: string;
    port: number;
    region: string;
    credentials: { accessKeyId: string; accessKeySecret: string };
  }): KmsDriver;
}

/** Reads the envelope out of a foreign error's `data`, or fails the test loudly. */
export function envelopeOf(error: unknown): Record<string, unknown> {
  const data = (error as { data?: unknown } | null)?.data;
  if (typeof data !== "object" || data === null) throw error;
  return data as Record<string, unknown>;
}
