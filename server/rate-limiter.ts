/**
 * A token bucket: `burst` tokens at once, refilled at `ratePerSecond`. 0 means unlimited. A
 * token is whatever the caller charges: one message, or one byte of a frame.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt = performance.now();

  /** `initial`: the tokens it starts with (the whole burst unless said otherwise). */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    initial = burst,
  ) {
    this.tokens = Math.min(burst, initial);
  }

  /** Takes `count` tokens; false (taking none) when fewer are left: the caller is over its rate. */
  take(count = 1): boolean {
    if (this.ratePerSecond === 0) return true;
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }
}
