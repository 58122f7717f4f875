import { putRecordsWithRetry } from '../streams/putRecords.js';
import { encodeChangeRecords } from './record.js';
import type { ProfileChange } from './types.js';

/**
 * Publishes profile changes to the `changes` stream, one record per lane of users (`core/changes/record.ts`),
 * partitioned by the lane so one user's changes stay in order; throws if any record could not be stored, so the
 * caller's batch is retried (consumers are idempotent). The one publisher used by the tagger, the sweeper and the
 * churn scorer.
 *
 * @example
 * await publishChanges(tables.changesStream, [{ kind: 'tag_added', userId: 'u1', subject: 'high_value', at }]);
 */
export async function publishChanges(stream: string, changes: ProfileChange[]): Promise<void> {
  if (changes.length === 0) return;
  const { failed } = await putRecordsWithRetry(stream, encodeChangeRecords(changes));
  if (failed.length) throw new Error(`changes stream refused ${failed.length} records (${failed[0]!.code})`);
}
