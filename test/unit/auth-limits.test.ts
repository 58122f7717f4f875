import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthFailureThrottle, sourceKey } from '../../core/auth/authThrottle.js';
import { LruCache } from '../../core/auth/lru.js';
import { RateLimiter } from '../../core/auth/rateLimit.js';

describe('LruCache', () => {
  it('never holds more than its size, evicting the least recently used', () => {
    const c = new LruCache<string, number>(3);
    for (const k of ['a', 'b', 'c']) c.set(k, k.charCodeAt(0), Infinity);
    assert.equal(c.get('a', 0), 97); // a is now the most recent
    c.set('d', 100, Infinity);
    assert.equal(c.size, 3);
    assert.equal(c.get('b', 0), undefined);
    assert.deepEqual(['a', 'c', 'd'].map((k) => c.get(k, 0)), [97, 99, 100]);
    for (let i = 0; i < 10_000; i++) c.set(`r${i}`, i, Infinity);
    assert.equal(c.size, 3);
  });

  it('drops entries when they expire', () => {
    const c = new LruCache<string, number>(10);
    c.set('a', 1, 1_000);
    assert.equal(c.get('a', 999), 1);
    assert.equal(c.get('a', 1_000), undefined);
    assert.equal(c.size, 0);
  });

  it('refuses a size below one', () => {
    assert.throws(() => new LruCache(0));
  });
});

describe('RateLimiter', () => {
  it('lets a key below 1 request/s through, once per 1/rate seconds (was blocked forever: capacity < 1 token)', () => {
    const l = new RateLimiter(2);
    const t0 = 1_000_000;
    assert.equal(l.take('k', 0.5, t0), true);
    const denied = l.attempt('k', 0.5, t0 + 10);
    assert.deepEqual(denied, { allowed: false, retryAfterSeconds: 2 });
    assert.equal(l.take('k', 0.5, t0 + 1_500), false);
    assert.equal(l.take('k', 0.5, t0 + 2_000), true);
    assert.equal(l.take('k', 0.1, 5_000_000), true);
    assert.deepEqual(l.attempt('k', 0.1, 5_000_000), { allowed: false, retryAfterSeconds: 10 });
    assert.equal(l.take('k', 0.1, 5_010_000), true);
  });

  it('allows the burst, then refills at the rate, and says when the next token comes', () => {
    const l = new RateLimiter(2);
    const t0 = 0;
    let allowed = 0;
    for (let i = 0; i < 50; i++) if (l.take('k', 10, t0)) allowed++;
    assert.equal(allowed, 20);
    assert.deepEqual(l.attempt('k', 10, t0), { allowed: false, retryAfterSeconds: 1 });
    assert.equal(l.take('k', 10, t0 + 100), true);
    assert.equal(l.take('k', 10, t0 + 100), false);
  });

  it('keeps keys apart, and never answers a 0 rate with a token', () => {
    const l = new RateLimiter();
    assert.equal(l.take('a', 1, 0), true);
    assert.equal(l.take('b', 1, 0), true);
    assert.equal(l.take('z', 0, 0), false);
    assert.ok(!l.attempt('z', 0, 0).allowed);
  });
});

describe('AuthFailureThrottle', () => {
  it('refuses a source after N failures in a window, says for how long, and forgives it after', () => {
    const t = new AuthFailureThrottle(3, 60_000, 100);
    for (let i = 0; i < 3; i++) {
      assert.equal(t.blockedFor('203.0.113.7', 1_000), 0);
      t.fail('203.0.113.7', 1_000);
    }
    assert.equal(t.blockedFor('203.0.113.7', 1_000), 60);
    assert.equal(t.blockedFor('203.0.113.7', 31_000), 30);
    assert.equal(t.blockedFor('::ffff:203.0.113.7', 31_000), 30, 'an IPv4-mapped address is the same source');
    assert.equal(t.blockedFor('203.0.113.8', 31_000), 0, 'other sources are not affected');
    assert.equal(t.blockedFor('203.0.113.7', 61_000), 0);
  });

  it('counts an IPv6 /64 as one source and stays bounded under a flood of sources', () => {
    assert.equal(sourceKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(sourceKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
    assert.equal(sourceKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(sourceKey('::1'), '0:0:0:0::/64');
    const t = new AuthFailureThrottle(3, 60_000, 100);
    for (let i = 0; i < 5_000; i++) t.fail(`10.0.${i >> 8}.${i & 255}`, 0);
    assert.equal(t.size, 100);
  });
});
