/**
 * Typed errors of the analytics layer. GraphQL resolvers map them to `extensions.code` (docs/architecture.md "Principles" 7),
 * so a bad range or an unknown name fails fast with a clear message instead of a timeout or a 500.
 */

/** Why an analytics request was refused; stable strings, safe to show to API clients. */
export type AnalyticsInputReason =
  | 'RANGE_REVERSED'
  | 'TOO_MANY_BUCKETS'
  | 'BAD_TIME_ZONE'
  | 'BAD_GRANULARITY'
  | 'BAD_TIME'
  | 'BAD_ARGUMENT'
  | 'BAD_CONDITION';

/**
 * A request the caller can fix (from after to, HOUR over five years, an unknown time zone …).
 *
 * Why a class of its own: resolvers and Lambdas tell "your input is wrong" (`BAD_USER_INPUT`, no retry) apart from
 * "we failed" (retry, alarm) by `instanceof` or by `code`, without parsing messages.
 *
 * @example
 * ```ts
 * try { bucketRanges(from, to, 'HOUR', 'UTC'); }
 * catch (e) { if (e instanceof AnalyticsInputError) return { errors: [{ message: e.message, extensions: { code: e.code, reason: e.reason } }] }; }
 * ```
 */
export class AnalyticsInputError extends Error {
  /** GraphQL error code (Apollo's convention for caller errors). */
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(
    readonly reason: AnalyticsInputReason,
    message: string,
  ) {
    super(message);
    this.name = 'AnalyticsInputError';
  }
}
