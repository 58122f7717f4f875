import * as z from 'zod';

/**
 * How long stores keep what they no longer need, as stage data (`retentionDays` in infra/stages.ts, the
 * `RETENTION_DAYS` environment variable): outbox items from their creation, enrollments from their end (an active
 * one never expires), audit entries from their time. DynamoDB's TTL deletes them (`expiresAt`), which no role's
 * permission is needed for, so the audit stays append-only for every function.
 */
export const retentionSchema = z
  .object({
    outbox: z.number().int().positive(),
    enrollments: z.number().int().positive(),
    audit: z.number().int().positive(),
  })
  .strict();
export type RetentionDays = z.infer<typeof retentionSchema>;

/** Without stage data (the local runtime, tests): 400 days of outbox and enrollments, 7 years of audit. */
export const DEFAULT_RETENTION_DAYS: RetentionDays = { outbox: 400, enrollments: 400, audit: 2557 };

let cached: { source: string | undefined; days: RetentionDays } | undefined;

/** The stage's retention, from `RETENTION_DAYS` (JSON; empty: the defaults). A bad value is a deploy error. */
export function retentionDays(): RetentionDays {
  const source = process.env.RETENTION_DAYS;
  if (!cached || cached.source !== source) cached = { source, days: source ? retentionSchema.parse(JSON.parse(source)) : DEFAULT_RETENTION_DAYS };
  return cached.days;
}

/**
 * The TTL (epoch seconds) of an item of `store` that starts counting at `from` (ISO time).
 *
 * @example
 * expiresAtFor('audit', '2026-12-03T10:00:00Z') // 2026-12-03 plus 7 years, in seconds
 */
export function expiresAtFor(store: keyof RetentionDays, from: string): number {
  const start = Date.parse(from);
  return Math.floor((Number.isNaN(start) ? Date.now() : start) / 1000) + retentionDays()[store] * 86_400;
}
