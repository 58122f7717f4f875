/*
 * Placeholder ids belong to the ingest contract: ingest drops them and the stream reader refuses them. They live
 * here, at the bottom of the domain layers, so identity (which never links on one) imports them from events and
 * events imports nothing from identity (layers: see docs/architecture.md).
 */

/** Placeholder values clients send when they know nothing; linking on them would merge strangers. */
export const BLOCKED_VALUES = new Set(['', '0', '-1', 'null', 'undefined', 'none', 'unknown', 'n/a', 'na', 'anonymous', 'guest', 'test', '00000000-0000-0000-0000-000000000000']);

/**
 * Whether an id is a placeholder (see {@link BLOCKED_VALUES}) that must never identify anyone: ingest drops such
 * user, anonymous and previous ids, and no identity is linked on one.
 *
 * @example
 * isPlaceholderId(' Unknown ') // true
 */
export function isPlaceholderId(value: string): boolean {
  return BLOCKED_VALUES.has(value.trim().toLowerCase());
}
