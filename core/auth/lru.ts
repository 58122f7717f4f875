/**
 * A bounded map with least-recently-used eviction and a time to live per entry. `Map` keeps insertion order, so
 * the first key is the least recently used one once every hit re-inserts its entry.
 *
 * @example
 * const cache = new LruCache<string, number>(1_000);
 * cache.set('a', 1, Date.now() + 30_000);
 * cache.get('a', Date.now()); // 1, until it expires or 1,000 newer keys push it out
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(readonly maxSize: number) {
    if (!(maxSize >= 1)) throw new Error(`an LRU cache holds at least one entry (got ${maxSize})`);
  }

  /** The live value of `key`, or undefined; a hit makes it the most recently used, an expired entry is dropped. */
  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (epoch ms), evicting the least recently used entries past `maxSize`. */
  set(key: K, value: V, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.maxSize) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries held, expired ones not yet dropped included (never more than `maxSize`). */
  get size(): number {
    return this.entries.size;
  }
}
