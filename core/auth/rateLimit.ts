/**
 * A token bucket per API key, per container. On AWS each Lambda container limits on its own and API Gateway's
 * stage throttling caps the total; locally there is one container, so this is the whole limit.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  /** `burstSeconds` of the refill rate may be spent at once. */
  constructor(private readonly burstSeconds = 2) {}

  /**
   * Takes one token for `key`; false means the caller answers 429.
   *
   * @example
   * if (!limiter.take(key.keyHash, key.rateLimit, Date.now())) return tooManyRequests();
   */
  take(key: string, perSecond: number, now: number): boolean {
    const capacity = perSecond * this.burstSeconds;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return allowed;
  }
}
