import { fnv1a32 } from './assign.js';

/**
 * Idempotency keys for journey effects. The outbox, the coupon issuer and the timer table write conditionally on
 * the key, so a redelivered event, a retried batch or a crash between "effect done" and "state saved" repeats
 * the step, produces the same keys, and changes nothing.
 */

/**
 * `campaignId:version:enrollmentId:nodeId`, plus `:visit` from a node's second visit on (a node can be entered again
 * after a wait, and that later visit is a new effect).
 *
 * @example
 * effectKey('c1', 3, 'e9', 'coupon', 1) // 'c1:3:e9:coupon'
 * effectKey('c1', 3, 'e9', 'coupon', 2) // 'c1:3:e9:coupon:2'
 */
export function effectKey(campaignId: string, version: number, enrollmentId: string, nodeId: string, visit = 1): string {
  const base = `${campaignId}:${version}:${enrollmentId}:${nodeId}`;
  return visit > 1 ? `${base}:${visit}` : base;
}

/** The key of an enrollment's goal conversion: at most one per enrollment. */
export const goalKey = (campaignId: string, version: number, enrollmentId: string) => `${campaignId}:${version}:${enrollmentId}:$goal`;

/**
 * The coupon code of an ISSUE_COUPON effect, derived from its key: retries issue the same code, so a customer never
 * holds two coupons from one node visit. Two FNV passes give about 64 bits, in base 36.
 *
 * @example
 * couponCode('c1:3:e9:coupon', 'WINBACK') // 'WINBACK-1K3Z9Q0B7XA2M' (say), always the same
 */
export function couponCode(key: string, prefix = 'OG'): string {
  const part = (n: number) => n.toString(36).toUpperCase().padStart(7, '0');
  return `${prefix}-${part(fnv1a32(key))}${part(fnv1a32(`${key}#coupon`))}`;
}
