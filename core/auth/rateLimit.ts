/**
 * A token bucket per API key, per container. On AWS each Lambda container limits on its own and API Gateway's
 * stage throttling caps the total; locally there is one container, so this is the whole limit.
 *
 * The bucket holds `burstSeconds` of the refill rate, and never less than one token: a key limited to 0.5
 * requests per second gets one request every two seconds (with a capacity below one token it would never get any).
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
    return this.attempt(key, perSecond, now).allowed;
  }

  /**
   * Takes one token for `key`. When none is left, `retryAfterSeconds` is how long until one is (whole seconds,
   * at least 1), the value of the 429's `Retry-After`.
   *
   * @example
   * const { allowed, retryAfterSeconds } = limiter.attempt(key.keyHash, key.rateLimit, Date.now());
   */
  attempt(key: string, perSecond: number, now: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) {
      // A rate of 0 (or a broken value) blocks; an infinite one would make the arithmetic NaN.
      return perSecond === Infinity ? { allowed: true } : { allowed: false, retryAfterSeconds: 60 };
    }
    const capacity = Math.max(1, perSecond * this.burstSeconds);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }
}
