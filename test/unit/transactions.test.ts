import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readCsv, splitCsvRecord } from '../../tools/data/csv.js';
import { parseRowFilter, parseTimestamp, readOrders } from '../../tools/data/transactions.js';

const dir = mkdtempSync(join(tmpdir(), 'opsgraph-tx-'));

const RETAIL = [
  'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  '536365,85123A,"WHITE HANGING HEART, T-LIGHT",6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
  '536365,71053,"say ""hi""",2,2010-12-01 08:26:00,3.00,17850,United Kingdom',
  '536366,22633,HAND WARMER,1,2010-12-01 08:28:00,1.85,,United Kingdom',
  'C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527,United Kingdom',
  '536380,22961,JAM JAR,-4,2010-12-01 09:45:00,1.00,14527,France',
  '536381,22962,"MULTI',
  'LINE",1,2010-12-02 10:00:00,5.00,14527,France',
].join('\n');

test('splitCsvRecord handles quotes, doubled quotes and open fields', () => {
  assert.deepEqual(splitCsvRecord('a,"b, c","say ""hi"""'), ['a', 'b, c', 'say "hi"']);
  assert.deepEqual(splitCsvRecord('a,,'), ['a', '', '']);
  assert.equal(splitCsvRecord('a,"open'), null);
});

test('readCsv reads gzip and plain files alike, including a quoted line break', async () => {
  writeFileSync(join(dir, 'r.csv'), RETAIL);
  writeFileSync(join(dir, 'r.csv.gz'), gzipSync(RETAIL));
  const plain = [];
  for await (const row of readCsv(join(dir, 'r.csv'))) plain.push(row);
  const gz = [];
  for await (const row of readCsv(join(dir, 'r.csv.gz'))) gz.push(row);
  assert.equal(plain.length, 6);
  assert.deepEqual(gz, plain);
  assert.equal(plain[5].Description, 'MULTI\nLINE');
});

test('readOrders groups lines, skips guests and turns cancellations and negative totals into refunds', async () => {
  const path = join(dir, 'retail.csv.gz');
  writeFileSync(path, gzipSync(RETAIL));
  const { orders, stats } = await readOrders({
    path, userCol: 'CustomerID', timeCol: 'InvoiceDate', orderCol: 'InvoiceNo', qtyCol: 'Quantity', priceCol: 'UnitPrice', countryCol: 'Country',
  });
  assert.equal(stats.rows, 6);
  assert.equal(stats.skippedNoUser, 1);
  assert.equal(stats.orders, 2);
  assert.equal(stats.refunds, 2);
  assert.deepEqual(orders, [
    { userId: '17850', orderId: '536365', at: Date.UTC(2010, 11, 1, 8, 26), amount: 21.3, refund: false, country: 'United Kingdom' },
    { userId: '14527', orderId: 'C536379', at: Date.UTC(2010, 11, 1, 9, 41), amount: 27.5, refund: true, country: 'United Kingdom' },
    { userId: '14527', orderId: '536380', at: Date.UTC(2010, 11, 1, 9, 45), amount: 4, refund: true, country: 'France' },
    { userId: '14527', orderId: '536381', at: Date.UTC(2010, 11, 2, 10), amount: 5, refund: false, country: 'France' },
  ]);
});

test('readOrders without an order column makes each row an order, with an amount column and filters', async () => {
  const path = join(dir, 'plain.csv');
  writeFileSync(path, ['user,ts,amount,country', 'u1,2011-01-01T10:00:00Z,10,A', 'u1,2011-01-01T10:00:00Z,-3,A', 'u2,2011-01-02,7.5,B', ',2011-01-02,1,B', 'u3,not a date,1,A'].join('\n'));
  const { orders, stats } = await readOrders({ path, userCol: 'user', timeCol: 'ts', amountCol: 'amount', where: [parseRowFilter('country!=B')] });
  assert.equal(stats.skippedFiltered, 2);
  assert.equal(stats.rejected, 1);
  assert.deepEqual(orders.map((o) => [o.userId, o.amount, o.refund]), [['u1', 10, false], ['u1', 3, true]]);
  assert.notEqual(orders[0].orderId, orders[1].orderId);
});

test('readOrders names a missing column', async () => {
  const path = join(dir, 'plain2.csv');
  writeFileSync(path, 'user,ts,amount\nu1,2011-01-01,1\n');
  await assert.rejects(readOrders({ path, userCol: 'customer', timeCol: 'ts', amountCol: 'amount' }), /no column "customer"/);
});

test('parseTimestamp reads naive times as UTC and honours zones', () => {
  assert.equal(parseTimestamp('2010-12-01 08:26:00'), Date.UTC(2010, 11, 1, 8, 26));
  assert.equal(parseTimestamp('2010-12-01'), Date.UTC(2010, 11, 1));
  assert.equal(parseTimestamp('12/1/2010 8:26'), Date.UTC(2010, 11, 1, 8, 26));
  assert.equal(parseTimestamp('2011-09-09T10:00:00+01:00'), Date.UTC(2011, 8, 9, 9));
  assert.equal(parseTimestamp('1291191960'), Date.UTC(2010, 11, 1, 8, 26));
  assert.ok(Number.isNaN(parseTimestamp('yesterday')));
});
