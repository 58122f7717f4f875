import { DeleteCommand, paginateQuery, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { forEachLimit } from '../platform/forEachLimit.js';

type Key = Record<string, string | number>;

/**
 * Deletes items by key and returns how many existed. One DeleteItem each (ALL_OLD says whether it was there), so a
 * rerun of a half-done erasure counts only what is left. Idempotent.
 *
 * @example
 * await deleteItems(identitiesTable, [{ id: 'EMAIL#3f…' }, { id: 'USER_ID#u1' }]) // 2
 */
export async function deleteItems(table: string, keys: readonly Key[]): Promise<number> {
  let deleted = 0;
  await forEachLimit(keys, 8, async (Key) => {
    const res = await dynamo().send(new DeleteCommand({ TableName: table, Key, ReturnValues: 'ALL_OLD' }));
    if (res.Attributes) deleted++;
  });
  return deleted;
}

/**
 * Every item of one partition (a user's enrollments, outbox items, audit entries), or only `attributes` of each.
 *
 * @example
 * await queryPartition(outboxTable, { name: 'userId', value: 'u1' })
 */
export async function queryPartition(
  table: string,
  partition: { name: string; value: string },
  attributes?: readonly string[],
): Promise<Array<Record<string, unknown>>> {
  const names: Record<string, string> = { '#p': partition.name };
  attributes?.forEach((a, i) => (names[`#a${i}`] = a));
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      KeyConditionExpression: '#p = :v',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':v': partition.value },
      ...(attributes ? { ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', ') } : {}),
    },
  );
  const items: Array<Record<string, unknown>> = [];
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/**
 * Deletes every item of one partition and returns how many.
 *
 * @example
 * await deletePartition(outboxTable, { name: 'userId', value: 'u1' }, 'id') // 7
 */
export async function deletePartition(table: string, partition: { name: string; value: string }, sortKey: string): Promise<number> {
  const items = await queryPartition(table, partition, [partition.name, sortKey]);
  return deleteItems(table, items.map((i) => ({ [partition.name]: i[partition.name] as string, [sortKey]: i[sortKey] as string })));
}

/** Every partition-key value of a small table (the experiments: an erasure visits each one's unit of the user). */
export async function scanKeys(table: string, keyName: string): Promise<string[]> {
  const out: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await dynamo().send(
      new ScanCommand({ TableName: table, ProjectionExpression: '#k', ExpressionAttributeNames: { '#k': keyName }, ExclusiveStartKey: start }),
    );
    for (const item of res.Items ?? []) out.push(String(item[keyName]));
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}
