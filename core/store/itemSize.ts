/**
 * DynamoDB item sizes and the capacity units they cost, by the rules AWS documents in "DynamoDB item sizes and
 * formats" (developer guide, CapacityUnitCalculations) and "DynamoDB read and write operations"
 * (read-write-operations):
 *
 * - a string is its UTF-8 bytes; a binary its raw bytes (not the base64 of the wire); null and Boolean 1 byte;
 * - a number is 1 byte per two significant digits, leading and trailing zeros trimmed, plus 1 byte;
 * - a List or Map is 3 bytes plus its elements, and each element costs 1 byte more; a map element also counts
 *   its key's UTF-8 bytes, as a top-level attribute counts its name;
 * - an item is the sum over its attributes of name bytes + value bytes;
 * - a write costs 1 unit per started KB (1,024 bytes) of the item, per item; an UpdateItem costs by the larger
 *   of the item before and after it; a read costs 1 unit per started 4 KB, half of that when eventually
 *   consistent.
 *
 * Sets are not in that page; they are counted as the sum of their elements, which is what they hold.
 */

/** An attribute value in the wire form (`@aws-sdk/client-dynamodb`'s AttributeValue). */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: Uint8Array }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: Uint8Array[] };

/** DynamoDB's largest item, 400 KB. */
export const MAX_ITEM_BYTES = 400 * 1024;
export const WRITE_UNIT_BYTES = 1024;
export const READ_UNIT_BYTES = 4096;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Bytes of a number given as DynamoDB's decimal string (or a JS number, in its shortest round-trip form). */
export function numberBytes(n: string | number): number {
  const text = typeof n === 'number' ? String(n) : n.trim();
  const mantissa = text.replace(/^[+-]/, '').split(/[eE]/)[0]!;
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(digits.length / 2) + 1;
}

/** Bytes of one value in the wire form, without the name it is stored under. */
export function attributeValueBytes(value: AttributeValue): number {
  if ('S' in value) return utf8(value.S);
  if ('N' in value) return numberBytes(value.N);
  if ('B' in value) return value.B.byteLength;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('L' in value) {
    let size = 3;
    for (const el of value.L) size += 1 + attributeValueBytes(el);
    return size;
  }
  if ('M' in value) {
    let size = 3;
    for (const [k, v] of Object.entries(value.M)) size += 1 + utf8(k) + attributeValueBytes(v);
    return size;
  }
  if ('SS' in value) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if ('NS' in value) return value.NS.reduce((n, s) => n + numberBytes(s), 0);
  if ('BS' in value) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  throw new TypeError(`not an attribute value: ${JSON.stringify(value)}`);
}

/** Size of an item in the wire form (what the low-level client sends and Scan returns). */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + attributeValueBytes(value);
  return size;
}

/**
 * Bytes of a native value as the document client marshals it (string → S, number → N, Uint8Array → B,
 * boolean → BOOL, null → NULL, array → L, Set → SS/NS/BS, plain object → M; undefined members removed).
 */
export function nativeValueBytes(value: unknown): number {
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(String(value));
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    let size = 3;
    for (const el of value) if (el !== undefined) size += 1 + nativeValueBytes(el);
    return size;
  }
  if (value instanceof Set) {
    let size = 0;
    for (const el of value) size += nativeValueBytes(el);
    return size;
  }
  if (typeof value === 'object') {
    let size = 3;
    for (const [k, v] of Object.entries(value)) if (v !== undefined) size += 1 + utf8(k) + nativeValueBytes(v);
    return size;
  }
  throw new TypeError(`cannot be stored in DynamoDB: ${typeof value}`);
}

/** Size of an item given as the document client takes and returns it. */
export function nativeItemBytes(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) if (value !== undefined) size += utf8(name) + nativeValueBytes(value);
  return size;
}

/** Write request units of one item write: 1 per started KB, at least 1. */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

/** Read request units of one item read: 1 per started 4 KB (at least 1), halved when eventually consistent. */
export function readUnits(bytes: number, consistent = false): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  return consistent ? units : units / 2;
}
