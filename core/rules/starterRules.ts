import type { Segment, TagRule } from './types.js';

/** Revenue at which a customer counts as high value (in the shop's currency). */
export const HIGH_VALUE_REVENUE = 1000;
/** Hours after adding to cart without an order before a visitor counts as a cart abandoner. */
export const CART_ABANDON_HOURS = 24;
/**
 * Coupon farming (薅羊毛): this many coupons issued, or redeemed, within {@link COUPON_ABUSE_HOURS} hours, by one
 * user or on one device across its accounts; the tag then holds for {@link COUPON_ABUSE_DAYS} days.
 */
export const COUPON_ABUSE_ISSUED = 5;
export const COUPON_ABUSE_REDEEMED = 3;
export const COUPON_ABUSE_HOURS = 6;
export const COUPON_ABUSE_DAYS = 7;

type Starter = Omit<TagRule, 'version' | 'updatedAt' | 'enabled'>;

/**
 * The starter rule pack, installed when the rules table has no rules yet. Operators edit or delete them
 * through GraphQL like any other rule.
 */
export const STARTER_RULES: Starter[] = [
  {
    id: 'high_value',
    tag: 'high_value',
    description: `Lifetime revenue, net of refunds, of at least ${HIGH_VALUE_REVENUE}.`,
    expression: `stats.revenue - stats.refunded >= ${HIGH_VALUE_REVENUE}`,
  },
  {
    id: 'payment_risk',
    tag: 'payment_risk',
    description: 'A payment failed in the last 30 days and no order has completed since.',
    expression:
      'count("payment_failed", 30) > 0 and (last("order_completed") == null or last("payment_failed") > last("order_completed"))',
  },
  {
    id: 'cart_abandoner',
    tag: 'cart_abandoner',
    description: `Added to cart, then no order within ${CART_ABANDON_HOURS} hours (within the last 30 days).`,
    expression: `last("product_added_to_cart") != null and hours_since(last("product_added_to_cart")) >= ${CART_ABANDON_HOURS} and days_since(last("product_added_to_cart")) <= 30 and (last("order_completed") == null or last("order_completed") < last("product_added_to_cart"))`,
  },
  {
    id: 'dormant',
    tag: 'dormant',
    description: 'No activity for 30 days.',
    expression: 'stats.lastSeenAt != null and days_since(stats.lastSeenAt) >= 30',
  },
  {
    id: 'new_user',
    tag: 'new_user',
    description: 'First seen in the last 7 days.',
    expression: 'stats.firstSeenAt != null and days_since(stats.firstSeenAt) < 7',
  },
  {
    id: 'price_sensitive',
    tag: 'price_sensitive',
    description: 'At least two orders, and most of them discounted or paid with a redeemed coupon.',
    expression:
      'stats.orders >= 2 and (count("$discounted") / stats.orders >= 0.5 or count("coupon_redeemed") / stats.orders >= 0.5)',
  },
  {
    id: 'interest',
    tag: 'interest:{key}',
    description: 'A category whose decayed interest score (views 1, favourites 2, cart 3, orders 5; 30-day half-life) is at least 3.',
    expression: 'item >= 3',
    forEach: 'interests',
  },
  {
    // The journeys' ISSUE_COUPON skips users with this tag (core/journeys/guards.ts, COUPON_ABUSER_TAG).
    id: 'coupon_abuser',
    tag: 'coupon_abuser',
    description: `Coupon farming: ${COUPON_ABUSE_ISSUED} coupons claimed or ${COUPON_ABUSE_REDEEMED} redeemed within ${COUPON_ABUSE_HOURS} hours, by the user or on the device it uses (by any account); held ${COUPON_ABUSE_DAYS} days.`,
    expression: [
      `count_hours("coupon_issued", ${COUPON_ABUSE_HOURS}) >= ${COUPON_ABUSE_ISSUED}`,
      `count_hours("coupon_redeemed", ${COUPON_ABUSE_HOURS}) >= ${COUPON_ABUSE_REDEEMED}`,
      `device_count_hours("coupon_issued", ${COUPON_ABUSE_HOURS}) >= ${COUPON_ABUSE_ISSUED}`,
      `device_count_hours("coupon_redeemed", ${COUPON_ABUSE_HOURS}) >= ${COUPON_ABUSE_REDEEMED}`,
    ].join(' or '),
    // Counting per device latches the tag (core/tagging/context.ts): an abuser stays skipped for a week.
    ttlDays: COUPON_ABUSE_DAYS,
  },
  {
    id: 'negative_feedback',
    tag: 'negative_feedback',
    description: 'A customer-service message in the last 30 days that the English/Chinese lexicon finds negative.',
    expression: 'count("$negative_message", 30) > 0',
  },
];

/** A starter segment so a new install has something to list. */
export const STARTER_SEGMENTS: Array<Omit<Segment, 'version' | 'updatedAt'>> = [
  {
    id: 'vip_at_risk',
    name: 'VIPs at risk',
    description: 'High-value customers who are dormant or had a payment fail.',
    expression: 'tags.high_value and (tags.dormant or tags.payment_risk or tags.churn_risk_high)',
  },
];
