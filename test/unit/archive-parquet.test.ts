/**
 * The archive's Parquet files (core/analytics/archive/parquet.ts): every column round-trips through the JavaScript
 * reader that erasure, export and replays use, and DuckDB reads the same file with the types `ARCHIVE_COLUMNS`
 * declares for Athena, amounts exact.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '../../core/events/schema.js';
import { encodeArchiveFile } from '../../core/analytics/archive/parquet.js';
import { decodeArchiveFile } from '../../core/analytics/archive/parquetRead.js';
import { ARCHIVE_COLUMNS, toArchiveRecord, type ArchiveRecord } from '../../core/analytics/archive/record.js';
import { DuckDbArchiveEngine } from '../../local/archive/duckdbEngine.js';

const at = '2011-01-04T10:00:00.000Z';
const events: StoredEvent[] = [
  {
    type: 'track', event: 'order_completed', eventId: 'o1', userId: '17850', timestamp: at,
    properties: { orderId: '536365', revenue: 139.12, currency: 'GBP', products: [{ productId: '85123A' }, { productId: '71053' }] },
    context: { channel: 'web', country: 'GB' },
  },
  { type: 'track', event: 'order_refunded', eventId: 'o2', userId: '17850', timestamp: at, properties: { orderId: 'C536379', revenue: 0.29, currency: 'GBP' } },
  { type: 'track', event: 'order_completed', eventId: 'o3', userId: 'kw', timestamp: at, properties: { revenue: 1.234, currency: 'KWD' } },
  { type: 'track', event: 'order_completed', eventId: 'o4', userId: 'jp', timestamp: at, properties: { revenue: 1234, currency: 'JPY' } },
  { type: 'identify', eventId: 'i1', userId: '17850', anonymousId: 'v1', timestamp: at, traits: { plan: 'gold', 名前: '太郎' } },
  { type: 'alias', eventId: 'a1', userId: '17850', previousId: 'old', timestamp: at },
] as StoredEvent[];
const rows: ArchiveRecord[] = events.map((e) => toArchiveRecord(e));

describe('the archive file format', () => {
  it('round-trips every column of every row: nulls, lists, money and non-ASCII text as written', async () => {
    const back = await decodeArchiveFile(encodeArchiveFile(rows));
    assert.deepEqual(back, rows);
    assert.deepEqual(back.map((r) => r.revenue), [139.12, 0.29, 1.234, 1234, null, null]);
  });

  it('writes an empty batch as a file with no rows', async () => {
    assert.deepEqual(await decodeArchiveFile(encodeArchiveFile([])), []);
  });

  describe('read by DuckDB', () => {
    let dir: string;
    let engine: DuckDbArchiveEngine;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'opsgraph-parquet-'));
      await mkdir(join(dir, 'dt=2011-01-04'));
      await writeFile(join(dir, 'dt=2011-01-04', 'a.parquet'), encodeArchiveFile(rows));
      engine = await DuckDbArchiveEngine.open({ dir, threads: 1 });
    });
    after(async () => {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('sees each column with the type the Athena table declares', async () => {
      const [types] = await engine.query(`SELECT ${ARCHIVE_COLUMNS.map((c) => `typeof(${c.name}) AS ${c.name}`).join(', ')} FROM ${engine.table} LIMIT 1`);
      assert.deepEqual(types, Object.fromEntries(ARCHIVE_COLUMNS.map((c) => [c.name, c.duckdb])));
    });

    it('sums amounts exactly, and unnests products', async () => {
      const [sum] = await engine.query(`SELECT CAST(SUM(revenue) AS VARCHAR) AS total FROM ${engine.table} WHERE currency = 'GBP'`);
      assert.equal(sum!.total, '139.410');
      const products = await engine.query(`SELECT p FROM ${engine.table} CROSS JOIN UNNEST(products) AS t(p) ORDER BY p`);
      assert.deepEqual(products.map((r) => r.p), ['71053', '85123A']);
    });
  });
});
