/**
 * Remembers signature nonces so a captured request cannot be replayed. A
 * nonce only needs remembering while its request's timestamp is inside the
 * accepted window: after that the timestamp check refuses the replay anyway.
 */
export class NonceRegistry {
  private readonly expiries = new Map<string, number>();
  private insertsSinceSweep = 0;

  /** Records the nonce; false when it was already used. */
  use(key: string, expiresAt: number, now: number): boolean {
    const knownExpiry = this.expiries.get(key);
    if (knownExpiry !== undefined && knownExpiry > now) return false;
    this.expiries.set(key, expiresAt);
    if (++this.insertsSinceSweep >= 10_000) this.sweep(now);
    return true;
  }

  private sweep(now: number): void {
    this.insertsSinceSweep = 0;
    for (const [key, expiry] of this.expiries) {
      if (expiry <= now) this.expiries.delete(key);
    }
  }
}
