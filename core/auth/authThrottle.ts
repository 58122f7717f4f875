import { isIPv6 } from 'node:net';
import { LruCache } from './lru.js';

/** Failed authentications (an `x-api-key` that is not a live key) one source may make per window. */
export const MAX_AUTH_FAILURES = 20;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Sources tracked at once; past it the least recently seen are forgotten (memory stays bounded under a flood). */
export const MAX_TRACKED_SOURCES = 10_000;

/**
 * The source a throttle counts: an IPv4 address as is (IPv4-mapped IPv6 included), an IPv6 address by its /64
 * prefix, since one host usually holds a whole /64 and could rotate through it.
 *
 * @example
 * sourceKey('::ffff:203.0.113.7')       // '203.0.113.7'
 * sourceKey('2001:db8:1:2:aaaa::1')     // '2001:db8:1:2::/64'
 */
export function sourceKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Counts failed authentications per source in fixed windows. Once a source has failed
 * {@link MAX_AUTH_FAILURES} times in a window, every request from it is refused with 429 until the window ends,
 * before its key is looked up: guessing keys costs a client its whole source, and the answer says nothing about
 * the key it sent. Per container, like the rate limiter; API Gateway's throttling caps the total.
 */
export class AuthFailureThrottle {
  private readonly windows: LruCache<string, { start: number; failures: number }>;

  constructor(
    private readonly maxFailures = MAX_AUTH_FAILURES,
    private readonly windowMs = AUTH_FAILURE_WINDOW_MS,
    maxSources = MAX_TRACKED_SOURCES,
  ) {
    this.windows = new LruCache(maxSources);
  }

  /** Seconds until `source` may try again, or 0 when it is not throttled. */
  blockedFor(source: string, now: number): number {
    const w = this.windows.get(sourceKey(source), now);
    if (!w || w.failures < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
  }

  /** Records one failed authentication from `source`. */
  fail(source: string, now: number): void {
    const key = sourceKey(source);
    const w = this.windows.get(key, now) ?? { start: now, failures: 0 };
    w.failures++;
    this.windows.set(key, w, w.start + this.windowMs);
  }

  /** Sources currently tracked (bounded by `maxSources`). */
  get size(): number {
    return this.windows.size;
  }
}
