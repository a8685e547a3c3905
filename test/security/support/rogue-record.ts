/**
 * What a rogue server saw: every connection, every credential presented to
 * it and every statement or command sent after a login. The security tests
 * run these servers on loopback where an attacker would run them and assert
 * that nothing reached them.
 *
 * A captured secret is kept apart from the description of what happened, so
 * a failing assertion prints who connected and what kind of credential came,
 * never the credential itself (the suite's leak scan would count that as a
 * leak, and rightly so).
 */

/** One thing a rogue server saw, without the secret it may have carried. */
export interface RogueEvent {
  kind: "connection" | "credential" | "statement" | "command";
  /** Who or what: the login name, or the kind of statement or command. */
  what: string;
}

export interface RogueLog {
  /** Everything seen so far, secrets left out. */
  events(): RogueEvent[];
  /** The passwords, keys and statement texts captured, for the rogue servers' own tests. */
  captured(): string[];
  record(event: RogueEvent, secret?: string): void;
}

export function rogueLog(): RogueLog {
  const events: RogueEvent[] = [];
  const secrets: string[] = [];
  return {
    events: () => [...events],
    captured: () => [...secrets],
    record(event, secret) {
      events.push(event);
      if (secret !== undefined) secrets.push(secret);
    },
  };
}

/** A rogue server listening on loopback. */
export interface RogueServer {
  host: string;
  port: number;
  /** Everything it saw, secrets left out: empty when no one connected. */
  events(): RogueEvent[];
  /** What it captured: passwords, private key signatures' public halves, statements. */
  captured(): string[];
  close(): Promise<void>;
}
