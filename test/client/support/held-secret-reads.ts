/**
 * A SecretsClient whose reads of one stage can be held before they reach
 * KMS, so a test can make something happen between two of a pool's reads
 * (a rotation step landing between them) every time, not once in thousands.
 */

import type { SecretVersion } from "../../../src/client/secret-version.ts";
import { type SecretSelector, SecretsClient } from "../../../src/client/secrets-client.ts";

export interface HeldRead {
  /** Resolves when the held read has been asked for (and waits). */
  reached: Promise<void>;
  /** Lets the read go on to KMS. */
  release(): void;
}

interface Gate {
  stage: string;
  arrive(): void;
  released: Promise<void>;
}

export class SecretsClientWithHeldReads extends SecretsClient {
  private readonly gates: Gate[] = [];

  /** Holds the next `refresh` of `stage` until `release()`. */
  holdNextRefresh(stage: string): HeldRead {
    let arrive = () => {};
    let release = () => {};
    const reached = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.gates.push({ stage, arrive, released });
    return { reached, release };
  }

  override async refresh(
    secretName: string,
    selector: SecretSelector = {},
  ): Promise<SecretVersion> {
    const index = this.gates.findIndex((gate) => gate.stage === selector.stage);
    const gate = index === -1 ? undefined : this.gates.splice(index, 1)[0];
    if (gate !== undefined) {
      gate.arrive();
      await gate.released;
    }
    return super.refresh(secretName, selector);
  }
}
