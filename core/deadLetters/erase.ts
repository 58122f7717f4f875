import { parseFailureDocument, type FailureDocument } from './document.js';
import type { DeadLetterSource } from './replay.js';

/**
 * Removes a person's records from every dead letter, pending or replayed: a record whose data names one of `ids`
 * (as a JSON string: `"u1"`) is dropped, a document left without records is deleted, any other is rewritten
 * with the rest (its `batchSize` updated). Returns the records removed. Idempotent: a rerun finds nothing more.
 *
 * @example
 * await eraseFromDeadLetters(source, ['u1', 'anon:v1']) // 3
 */
export async function eraseFromDeadLetters(source: DeadLetterSource, ids: readonly string[]): Promise<number> {
  const needles = ids.map((id) => JSON.stringify(id));
  let removed = 0;
  for (const id of await source.listAll()) {
    let doc: FailureDocument;
    let event: { Records?: Array<{ kinesis?: { data?: string } }> };
    try {
      doc = parseFailureDocument(await source.readText(id), id);
      if (doc.payload === undefined) continue; // no records in it, only sequence numbers
      event = JSON.parse(doc.payload);
    } catch {
      continue; // not a dead letter Lambda wrote (nothing of ours to find in it)
    }
    const records = event.Records ?? [];
    const kept = records.filter((r) => {
      const data = Buffer.from(r.kinesis?.data ?? '', 'base64').toString('utf8');
      return !needles.some((n) => data.includes(n));
    });
    if (kept.length === records.length) continue;
    removed += records.length - kept.length;
    if (kept.length === 0) await source.remove(id);
    else {
      const rewritten = { ...doc, KinesisBatchInfo: { ...doc.KinesisBatchInfo, batchSize: kept.length }, payload: JSON.stringify({ ...event, Records: kept }) };
      await source.writeText(id, JSON.stringify(rewritten));
    }
  }
  return removed;
}
