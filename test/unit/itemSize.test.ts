import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { marshall } from '@aws-sdk/util-dynamodb';
import { attributeValueBytes, itemBytes, nativeItemBytes, numberBytes, readUnits, writeUnits } from '../../core/store/itemSize.js';

/**
 * The examples and rules of AWS's "DynamoDB item sizes and formats", "Constraints in Amazon DynamoDB" and
 * "DynamoDB read and write operations" pages.
 */
describe('DynamoDB item size', () => {
  it('counts attribute names and values, not JSON punctuation: the documented 23-byte item', () => {
    // Constraints, "Item size": "shirt-color" = "R" and "shirt-size" = "M" is 23 bytes.
    assert.equal(itemBytes({ 'shirt-color': { S: 'R' }, 'shirt-size': { S: 'M' } }), 23);
    assert.equal(nativeItemBytes({ 'shirt-color': 'R', 'shirt-size': 'M' }), 23);
  });

  it('counts strings in UTF-8 bytes', () => {
    assert.equal(itemBytes({ n: { S: '太慢了' } }), 1 + 9);
  });

  it('counts numbers as 1 byte per two significant digits plus 1, leading and trailing zeros trimmed', () => {
    assert.equal(numberBytes('0'), 1);
    assert.equal(numberBytes('7'), 2);
    assert.equal(numberBytes('12'), 2);
    assert.equal(numberBytes('123'), 3);
    assert.equal(numberBytes('1000'), 2);
    assert.equal(numberBytes('000123.4500'), 4);
    assert.equal(numberBytes('-12.5'), 3);
    assert.equal(numberBytes(1e21), 2);
    assert.equal(numberBytes('12345678901234567890123456789012345678'), 20);
  });

  it('counts binary by its raw bytes, not its base64', () => {
    assert.equal(itemBytes({ b: { B: new Uint8Array(100) } }), 101);
    assert.equal(nativeItemBytes({ b: Buffer.alloc(100) }), 101);
  });

  it('counts null and Boolean as 1 byte', () => {
    assert.equal(itemBytes({ a: { NULL: true }, bb: { BOOL: false } }), 1 + 1 + 2 + 1);
  });

  it('counts a List or Map as 3 bytes plus its elements, 1 byte more for each, and map keys', () => {
    assert.equal(attributeValueBytes({ L: [] }), 3);
    assert.equal(attributeValueBytes({ M: {} }), 3);
    assert.equal(attributeValueBytes({ L: [{ S: 'ab' }, { N: '1' }] }), 3 + (1 + 2) + (1 + 2));
    assert.equal(attributeValueBytes({ M: { ab: { S: 'xyz' } } }), 3 + 1 + 2 + 3);
    assert.equal(itemBytes({ list: { L: [{ M: { k: { BOOL: true } } }] } }), 4 + 3 + 1 + (3 + 1 + 1 + 1));
  });

  it('sizes native values exactly as their marshalled form', () => {
    const item = {
      userId: 'u-1',
      version: 12,
      doc: JSON.stringify({ a: 1 }),
      z: Buffer.from([1, 2, 3]),
      churn: { probability: 0.4213, band: 'LOW', reasons: ['a', 'bé'], scoredAt: '2026-01-01T00:00:00.000Z', empty: null, on: true },
    };
    assert.equal(nativeItemBytes(item), itemBytes(marshall(item) as never));
  });
});

describe('request units', () => {
  it('bills writes per started KB per item, at least 1 (read-write-operations examples)', () => {
    assert.equal(writeUnits(1), 1);
    assert.equal(writeUnits(1024), 1);
    assert.equal(writeUnits(1025), 2);
    // "PutItem … a 1.5 KB item" costs 2 units.
    assert.equal(writeUnits(1.5 * 1024), 2);
    // BatchWriteItem of a 500-byte and a 3.5 KB item: 1 KB + 4 KB = 5 units, not 4.
    assert.equal(writeUnits(500) + writeUnits(3.5 * 1024), 5);
  });

  it('bills reads per started 4 KB, half when eventually consistent', () => {
    // BatchGetItem of 1.5 KB and 6.5 KB items: 4 KB + 8 KB = 3 strongly consistent units.
    assert.equal(readUnits(1.5 * 1024, true) + readUnits(6.5 * 1024, true), 3);
    // "an 8 KB item … 2 read units strongly consistent, 1 eventually consistent".
    assert.equal(readUnits(8 * 1024, true), 2);
    assert.equal(readUnits(8 * 1024), 1);
    assert.equal(readUnits(3500), 0.5);
  });
});
