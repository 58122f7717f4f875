/**
 * Orders and refunds read back from the event archive (core/analytics/archive/files.ts), for the churn tools:
 * model retraining reads what the stack archived, locally or from a stage's bucket, instead of the original CSV.
 */
import { createHash } from 'node:crypto';
import { archiveRowsOf, type ArchiveFiles } from '../../core/analytics/archive/files.js';
import type { Order, TransactionReadStats } from './transactions.js';

/**
 * Every archived `order_completed` and `order_refunded` with an amount, once per event id (the copies a
 * redelivery wrote are one order), oldest first, with a SHA-256 over the files read (the artifact's data hash).
 * Rows of visitors who never identified (`anon:` people) are skipped as rows without a user are in a CSV.
 *
 * @example
 * const { orders, stats } = await readArchiveOrders(new FolderArchiveFiles('.data/archive'));
 */
export async function readArchiveOrders(files: ArchiveFiles, onProgress?: (rows: number) => void): Promise<{ orders: Order[]; stats: TransactionReadStats; sha256: string }> {
  const stats: TransactionReadStats = { rows: 0, skippedNoUser: 0, skippedFiltered: 0, rejected: 0, rejectedExamples: [], orders: 0, refunds: 0, firstAt: null, lastAt: null };
  const hash = createHash('sha256');
  const seen = new Set<string>();
  const orders: Order[] = [];
  for (const key of await files.list()) {
    const bytes = await files.read(key);
    hash.update(key).update('\n').update(bytes);
    for (const row of await archiveRowsOf(key, bytes)) {
      stats.rows++;
      const refund = row.event === 'order_refunded';
      if (row.type !== 'track' || (row.event !== 'order_completed' && !refund) || row.revenue === null || row.revenue === undefined) {
        stats.skippedFiltered++;
        continue;
      }
      const id = String(row.event_id);
      if (seen.has(id)) continue;
      seen.add(id);
      const person = String(row.person_id);
      if (person.startsWith('anon:')) {
        stats.skippedNoUser++;
        continue;
      }
      const at = Number(row.ts);
      const amount = Number(row.revenue);
      if (!Number.isFinite(at) || !Number.isFinite(amount)) {
        stats.rejected++;
        continue;
      }
      orders.push({ userId: person, orderId: typeof row.order_id === 'string' ? row.order_id : id, at, amount, refund, ...(typeof row.country === 'string' ? { country: row.country } : {}) });
      if (refund) stats.refunds++;
      else stats.orders++;
      stats.firstAt = stats.firstAt === null ? at : Math.min(stats.firstAt, at);
      stats.lastAt = stats.lastAt === null ? at : Math.max(stats.lastAt, at);
    }
    onProgress?.(stats.rows);
  }
  orders.sort((a, b) => a.at - b.at || a.orderId.localeCompare(b.orderId));
  return { orders, stats, sha256: hash.digest('hex') };
}
