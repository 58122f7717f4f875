import type { ApolloServerPlugin } from '@apollo/server';
import { LruCache } from '../core/auth/lru.js';

/**
 * Apollo Server's key-value cache for automatic persisted queries over opsgraph's own bounded LRU, bounded by
 * entries. (Its document store is Apollo's default: docs/architecture.md, "Lambda bundles".)
 */
export class BoundedCache<V> {
  private readonly lru: LruCache<string, V>;

  constructor(maxEntries: number) {
    this.lru = new LruCache(maxEntries);
  }

  async get(key: string): Promise<V | undefined> {
    return this.lru.get(key, Date.now());
  }

  /** `ttl` in seconds, as Apollo passes it; none keeps the entry until it is pushed out. */
  async set(key: string, value: V, options?: { ttl?: number | null }): Promise<void> {
    this.lru.set(key, value, options?.ttl ? Date.now() + options.ttl * 1000 : Number.POSITIVE_INFINITY);
  }

  async delete(key: string): Promise<void> {
    this.lru.delete(key);
  }
}

/**
 * `cache-control: no-store` on every answer, as Apollo's cache-control plugin sets it when no field carries a cache
 * hint (none in this schema does: answers are per key and change with every event). The plugin itself is
 * installed disabled: nothing here uses its hints.
 */
export const noStorePlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set('cache-control', 'no-store');
      },
    };
  },
};
