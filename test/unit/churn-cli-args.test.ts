import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { csvOptionsFromFlags, DEFAULT_CSV, loadChurnData, parseChurnArgs } from '../../tools/churn-training/cli/args.js';

const flags = (...argv: string[]) => csvOptionsFromFlags(parseChurnArgs(argv, {}).values);
const quiet = () => {};

test('column flags without --csv are an error, not silently dropped for Online Retail', () => {
  assert.throws(() => flags('--user-col', 'customer'), /--user-col without --csv/);
  assert.throws(
    () => flags('--time-col', 'ts', '--amount-col', 'total', '--order-col', 'order'),
    /--time-col, --order-col, --amount-col without --csv/,
  );
  assert.throws(() => flags('--country-col', 'Country'), /without --csv/);
  // No column flags: the Online Retail defaults, and --where still applies to them.
  const defaults = flags('--where', 'Country!=United Kingdom');
  assert.equal(defaults.path, DEFAULT_CSV);
  assert.equal(defaults.userCol, 'CustomerID');
  assert.deepEqual(defaults.where, [{ column: 'Country', value: 'United Kingdom', negate: true }]);
});

test('--amount-col together with --qty-col / --price-col is an error, not "amount wins"', () => {
  const base = ['--csv', 'x.csv', '--user-col', 'u', '--time-col', 't'];
  assert.throws(() => flags(...base, '--amount-col', 'a', '--qty-col', 'q', '--price-col', 'p'), /either --amount-col or --qty-col with --price-col, not both/);
  assert.throws(() => flags(...base, '--amount-col', 'a', '--qty-col', 'q'), /not both/);
  assert.throws(() => flags(...base, '--amount-col', 'a', '--price-col', 'p'), /not both/);
  assert.throws(() => flags(...base, '--qty-col', 'q'), /--amount-col, or --qty-col and --price-col/);
  assert.throws(() => flags('--csv', 'x.csv', '--user-col', 'u', '--amount-col', 'a'), /--user-col and --time-col/);
  const amount = flags(...base, '--amount-col', 'a');
  assert.equal(amount.amountCol, 'a');
  assert.equal(amount.qtyCol, undefined);
  const qtyPrice = flags(...base, '--qty-col', 'q', '--price-col', 'p', '--order-col', 'o');
  assert.deepEqual([qtyPrice.amountCol, qtyPrice.qtyCol, qtyPrice.priceCol, qtyPrice.orderCol], [undefined, 'q', 'p', 'o']);
});

// A small file: one order every 3 days from 2023-01-01, the last transaction on 2023-06-29 at 12:00.
const dir = mkdtempSync(join(tmpdir(), 'churn-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const csvPath = join(dir, 'tx.csv');
{
  const lines = ['user,ts,total'];
  const start = Date.parse('2023-01-01T12:00:00Z');
  for (let i = 0; i * 3 <= 177; i++) lines.push(`c${i % 7},${new Date(start + i * 3 * 86_400_000).toISOString()},${10 + i}`);
  lines.push('c1,2023-06-29T12:00:00Z,25');
  writeFileSync(csvPath, `${lines.join('\n')}\n`);
}
const data = (scope: 'evaluation' | 'training', ...extra: string[]) =>
  loadChurnData(parseChurnArgs(['--csv', csvPath, '--user-col', 'user', '--time-col', 'ts', '--amount-col', 'total', ...extra], {}).values, quiet, scope);

test('a cutoff whose label window runs past the data is an error naming the cutoff, horizon and last transaction', async () => {
  // Default cutoff: last day − horizon − 1, the latest whose window fits.
  const d = await data('evaluation');
  assert.equal(new Date(d.stats.lastAt!).toISOString(), '2023-06-29T12:00:00.000Z');
  assert.equal(d.cutoff, '2023-03-30');
  assert.equal((await data('evaluation', '--cutoff', '2023-03-30')).cutoff, '2023-03-30');
  await assert.rejects(data('evaluation', '--cutoff', '2023-03-31'), (err: Error) => {
    assert.match(err.message, /cutoff 2023-03-31 with a 90-day horizon/);
    assert.match(err.message, /ends 2023-06-29T23:59:59\.999Z, after the last transaction \(2023-06-29T12:00:00\.000Z\)/);
    assert.match(err.message, /on or before 2023-03-30/);
    return true;
  });
  await assert.rejects(data('evaluation', '--cutoff', '2023-05-30', '--horizon-days', '30'), /cutoff 2023-05-30 with a 30-day horizon.*on or before 2023-05-29/);
  // Training reads only windows ending by the cutoff: a late cutoff is fine up to the last transaction's day before.
  assert.equal((await data('training', '--cutoff', '2023-06-28')).cutoff, '2023-06-28');
  await assert.rejects(data('training', '--cutoff', '2023-06-29'), /cutoff 2023-06-29 with a 90-day horizon: the latest training label window ends .*after the last transaction \(2023-06-29T12:00:00\.000Z\).*on or before 2023-06-28/);
});

test('the commands exit with the error instead of running', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const run = (script: string, ...argv: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', `tools/churn-training/cli/${script}`, ...argv], { cwd: root, encoding: 'utf8' });
  const cols = run('eval.ts', '--user-col', 'customer_id');
  assert.equal(cols.status, 1);
  assert.match(cols.stderr, /churn-eval: --user-col without --csv/);
  const late = run('eval.ts', '--csv', csvPath, '--user-col', 'user', '--time-col', 'ts', '--amount-col', 'total', '--cutoff', '2023-04-15', '--quiet');
  assert.equal(late.status, 1);
  assert.match(late.stderr, /churn-eval: cutoff 2023-04-15 with a 90-day horizon: the label window ends/);
  const train = run('train.ts', '--csv', csvPath, '--user-col', 'user', '--time-col', 'ts', '--amount-col', 'a', '--qty-col', 'q', '--price-col', 'p');
  assert.equal(train.status, 1);
  assert.match(train.stderr, /churn-train: give either --amount-col or --qty-col with --price-col, not both/);
});

test('--archive reads the orders the stack archived: the same orders as the CSV they came from, once per event', async () => {
  const { toArchiveRecord } = await import('../../core/analytics/archive/record.js');
  const { archiveFileKey } = await import('../../core/analytics/archive/files.js');
  const { encodeArchiveFile } = await import('../../core/analytics/archive/parquet.js');
  const { FolderArchiveFiles } = await import('../../core/analyticsEngine/archiveFiles.js');
  const archiveRoot = join(dir, 'archive');
  const files = new FolderArchiveFiles(archiveRoot);
  const fromCsv = await data('evaluation');
  const rows = fromCsv.orders.map((o, i) =>
    toArchiveRecord({ type: 'track', event: 'order_completed', eventId: `o${i}`, userId: o.userId, timestamp: new Date(o.at).toISOString(), properties: { orderId: `o${i}`, revenue: o.amount, currency: 'GBP' } }),
  );
  // Two files, the second repeating the first's last row (a redelivered batch), plus a visitor's order.
  const visitor = toArchiveRecord({ type: 'track', event: 'order_completed', eventId: 'v1', anonymousId: 'guest', timestamp: '2023-02-01T00:00:00Z', properties: { orderId: 'v1', revenue: 5 } });
  await files.write(archiveFileKey('2023-01-01', 'a'), encodeArchiveFile(rows.slice(0, 30)));
  await files.write(archiveFileKey('2023-03-01', 'b'), encodeArchiveFile([rows[29]!, ...rows.slice(30), visitor]));
  const fromArchive = await loadChurnData(parseChurnArgs(['--archive', archiveRoot], {}).values, quiet, 'evaluation');
  assert.deepEqual(fromArchive.orders.map((o) => [o.userId, o.at, o.amount, o.refund]), fromCsv.orders.map((o) => [o.userId, o.at, o.amount, o.refund]));
  assert.equal(fromArchive.stats.skippedNoUser, 1, "the visitor's order");
  assert.equal(fromArchive.cutoff, fromCsv.cutoff);
  assert.match(fromArchive.dataSha256, /^[0-9a-f]{64}$/);
  await assert.rejects(loadChurnData(parseChurnArgs(['--archive', archiveRoot, '--csv', csvPath], {}).values, quiet, 'evaluation'), /without --csv/);
});
