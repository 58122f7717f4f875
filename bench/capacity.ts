import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { attributeValueBytes, nativeValueBytes, readUnits, writeUnits, type AttributeValue } from '../core/store/itemSize.js';

/**
 * Meters the DynamoDB request units a process would be billed on AWS, from the requests it makes (dynalite
 * reports no capacity). Writes are sized from the marshalled request as DynamoDB sizes the stored item
 * (`core/store/itemSize.ts`): PutItem by the larger of the item replaced and the new one, UpdateItem by the
 * larger of the item before and after, DeleteItem by the item deleted. "Before" is known on the tables whose
 * key names are given: the meter keeps each item's attribute sizes from every write and read it sees there.
 * Elsewhere a write is sized by what it writes alone. A conditional write that fails is billed like one that
 * succeeds (AWS does so). Reads are sized from the items returned: BatchGetItem and GetItem 1 unit per started
 * 4 KB per item (a key that finds nothing still 1), Query and Scan by the page's total, halved when eventually
 * consistent.
 */
export interface TableUnits {
  writes: number;
  writeUnits: number;
  reads: number;
  readUnits: number;
}

export interface CapacityMeter {
  tables: Map<string, TableUnits>;
  /** Writes and write units per table and kind of write: `put`, `delete`, or `update <attributes it sets>`
   * (so the tagger's profile write and the churn scorer's `update churn` are told apart). */
  writesByKind: Map<string, Map<string, { writes: number; writeUnits: number }>>;
  /** The size of every item written, per table, in order (after the write). */
  writtenSizes: Map<string, number[]>;
  total(): TableUnits;
  stop(): void;
}

type Item = Record<string, AttributeValue>;
/** Attribute name → bytes of name and value. */
type Sizes = Map<string, number>;
const sum = (s: Sizes | undefined) => {
  let n = 0;
  for (const v of s?.values() ?? []) n += v;
  return n;
};
const wireSizes = (item: Item): Sizes => new Map(Object.entries(item).map(([k, v]) => [k, Buffer.byteLength(k) + attributeValueBytes(v)]));
const nativeSizes = (item: Record<string, unknown>): Sizes =>
  new Map(Object.entries(item).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Buffer.byteLength(k) + nativeValueBytes(v)]));
const scalar = (v: unknown) => (v && typeof v === 'object' ? ('S' in v ? (v as { S: string }).S : 'N' in v ? (v as { N: string }).N : JSON.stringify(v)) : String(v));

/**
 * Applies the SET, REMOVE and ADD clauses of an update expression (the forms this code base uses: `name = :value`,
 * `name = if_not_exists(name, :value)`, `ADD name :number`), and names the kind of write: `update <the attributes
 * it sets, sorted>`.
 */
function applyUpdate(before: Sizes, input: Record<string, unknown>): { after: Sizes; kind: string } {
  const names = input.ExpressionAttributeNames as Record<string, string> | undefined;
  const values = input.ExpressionAttributeValues as Item | undefined;
  const nameOf = (token: string) => (token.startsWith('#') ? (names?.[token] ?? token) : token);
  const after = new Map(before);
  const set = new Set<string>();
  for (const clause of (input.UpdateExpression as string).split(/\b(?=SET\b|REMOVE\b|ADD\b|DELETE\b)/)) {
    const text = clause.trim();
    if (text.startsWith('SET')) {
      // Split on the commas between assignments, not the one inside if_not_exists(…, …).
      for (const part of text.slice(3).split(/,(?![^(]*\))/)) {
        const m = /^\s*([#\w]+)\s*=\s*(?:if_not_exists\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)|(:\w+))\s*$/.exec(part);
        if (!m) throw new Error(`capacity meter: unsupported SET form "${part}"`);
        const name = nameOf(m[1]!);
        set.add(name);
        if (m[2] && after.has(nameOf(m[2]))) continue; // if_not_exists of an attribute the item has: unchanged
        after.set(name, Buffer.byteLength(name) + attributeValueBytes(values![(m[3] ?? m[4])!]!));
      }
    } else if (text.startsWith('ADD')) {
      for (const part of text.slice(3).split(',')) {
        const m = /^\s*([#\w]+)\s+(:\w+)\s*$/.exec(part);
        if (!m) throw new Error(`capacity meter: unsupported ADD form "${part}"`);
        const name = nameOf(m[1]!);
        // A number's size grows with its digits; the added value's is a close bound for a counter.
        after.set(name, Math.max(after.get(name) ?? 0, Buffer.byteLength(name) + attributeValueBytes(values![m[2]!]!)));
        set.add(name);
      }
    } else if (text.startsWith('REMOVE')) {
      for (const part of text.slice(6).split(',')) after.delete(nameOf(part.trim()));
    } else if (text) {
      throw new Error(`capacity meter: unsupported update clause "${text}"`);
    }
  }
  return { after, kind: `update ${[...set].sort().join(',')}` };
}

export function meterCapacity(client: DynamoDBDocumentClient, keyNames: Record<string, string[]> = {}): CapacityMeter {
  const tables = new Map<string, TableUnits>();
  const writtenSizes = new Map<string, number[]>();
  const writesByKind = new Map<string, Map<string, { writes: number; writeUnits: number }>>();
  const items = new Map<string, Map<string, Sizes>>();
  const unitsOf = (table: string) => {
    let t = tables.get(table);
    if (!t) tables.set(table, (t = { writes: 0, writeUnits: 0, reads: 0, readUnits: 0 }));
    return t;
  };
  const keyOf = (table: string, item: Record<string, unknown>) => {
    const names = keyNames[table];
    return names ? names.map((n) => scalar(item[n])).join('\u0000') : undefined;
  };
  const known = (table: string, key: string | undefined) => (key === undefined ? undefined : items.get(table)?.get(key));
  const remember = (table: string, key: string | undefined, sizes: Sizes | undefined) => {
    if (key === undefined) return;
    let m = items.get(table);
    if (!m) items.set(table, (m = new Map()));
    if (sizes) m.set(key, sizes);
    else m.delete(key);
  };
  /** Bills one write; `commit` false for a conditional write that failed (billed, but nothing changes). */
  const wrote = (table: string, kind: string, key: string | undefined, after: Sizes | undefined, commit = true) => {
    const t = unitsOf(table);
    const before = sum(known(table, key));
    const size = sum(after);
    const units = writeUnits(Math.max(before, size));
    t.writes++;
    t.writeUnits += units;
    let kinds = writesByKind.get(table);
    if (!kinds) writesByKind.set(table, (kinds = new Map()));
    const k = kinds.get(kind) ?? { writes: 0, writeUnits: 0 };
    kinds.set(kind, { writes: k.writes + 1, writeUnits: k.writeUnits + units });
    if (!commit) return;
    if (after) {
      let sizes = writtenSizes.get(table);
      if (!sizes) writtenSizes.set(table, (sizes = []));
      sizes.push(size);
    }
    remember(table, key, after);
  };
  const readItems = (table: string, found: Record<string, unknown>[], consistent: boolean, perItem: boolean) => {
    const t = unitsOf(table);
    t.reads += found.length;
    let page = 0;
    for (const item of found) {
      const sizes = nativeSizes(item);
      remember(table, keyOf(table, item), sizes);
      if (perItem) t.readUnits += readUnits(sum(sizes), consistent);
      else page += sum(sizes);
    }
    if (!perItem) t.readUnits += readUnits(page, consistent);
  };

  const name = 'opsgraph-capacity-meter';
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const command = context.commandName;
      const table = input.TableName as string;
      let writes: Array<(commit: boolean) => void> = [];
      if (command === 'PutItemCommand') {
        const item = input.Item as Item;
        writes = [(commit) => wrote(table, 'put', keyOf(table, item), wireSizes(item), commit)];
      } else if (command === 'UpdateItemCommand') {
        const keyItem = input.Key as Item;
        const key = keyOf(table, keyItem);
        writes = [
          (commit) => {
            const { after, kind } = applyUpdate(known(table, key) ?? wireSizes(keyItem), input);
            wrote(table, kind, key, after, commit);
          },
        ];
      } else if (command === 'DeleteItemCommand') {
        writes = [(commit) => wrote(table, 'delete', keyOf(table, input.Key as Item), undefined, commit)];
      }
      let result;
      try {
        result = await next(args);
      } catch (err) {
        if ((err as Error).name === 'ConditionalCheckFailedException') for (const w of writes) w(false);
        throw err;
      }
      const output = result.output as Record<string, unknown>;
      if (command === 'BatchWriteItemCommand') {
        // Unprocessed requests are neither written nor billed; they are counted when the caller sends them again.
        // The output is already in the document client's native form; the input is still in the wire form.
        type Request = { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } };
        const native = (r: Request) =>
          JSON.stringify(r.PutRequest ? { PutRequest: { Item: unmarshall(r.PutRequest.Item as never) } } : { DeleteRequest: { Key: unmarshall(r.DeleteRequest!.Key as never) } });
        const unprocessed = (output.UnprocessedItems ?? {}) as Record<string, unknown[]>;
        for (const [t, reqs] of Object.entries(input.RequestItems as Record<string, Request[]>)) {
          const left = new Set((unprocessed[t] ?? []).map((r) => JSON.stringify(r)));
          for (const r of reqs) {
            if (left.size > 0 && left.has(native(r))) continue;
            if (r.PutRequest) wrote(t, 'put', keyOf(t, r.PutRequest.Item), wireSizes(r.PutRequest.Item));
            else if (r.DeleteRequest) wrote(t, 'delete', keyOf(t, r.DeleteRequest.Key), undefined);
          }
        }
      }
      for (const w of writes) w(true);
      if (command === 'BatchGetItemCommand') {
        // Each key is read as a GetItem would be: one that finds no item still costs the minimum unit.
        const req = input.RequestItems as Record<string, { Keys: unknown[]; ConsistentRead?: boolean }>;
        const responses = (output.Responses ?? {}) as Record<string, Record<string, unknown>[]>;
        const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>;
        for (const [t, r] of Object.entries(req)) {
          const found = responses[t] ?? [];
          readItems(t, found, r.ConsistentRead === true, true);
          const misses = r.Keys.length - found.length - (unprocessed[t]?.Keys?.length ?? 0);
          unitsOf(t).readUnits += misses * readUnits(0, r.ConsistentRead === true);
        }
      } else if (command === 'GetItemCommand') {
        if (output.Item) readItems(table, [output.Item as Record<string, unknown>], input.ConsistentRead === true, true);
        else unitsOf(table).readUnits += readUnits(0, input.ConsistentRead === true);
      } else if (command === 'QueryCommand' || command === 'ScanCommand') {
        readItems(table, (output.Items ?? []) as Record<string, unknown>[], input.ConsistentRead === true, false);
      }
      return result;
    },
    { step: 'build', name },
  );
  return {
    tables,
    writesByKind,
    writtenSizes,
    total() {
      const all: TableUnits = { writes: 0, writeUnits: 0, reads: 0, readUnits: 0 };
      for (const t of tables.values()) {
        all.writes += t.writes;
        all.writeUnits += t.writeUnits;
        all.reads += t.reads;
        all.readUnits += t.readUnits;
      }
      return all;
    },
    stop: () => void client.middlewareStack.remove(name),
  };
}
