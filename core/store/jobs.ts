import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';

/** An item of the jobs table (partition key `job`): a scan checkpoint or a scheduler's state. */
export type JobItem = { job: string } & Record<string, unknown>;

/**
 * Reads one jobs-table item, or undefined. `consistentRead` for a checkpoint that must see the previous run's write.
 *
 * @example
 * const saved = await getJob(jobsTable, 'sweep#run-1#0', { consistentRead: true });
 */
export async function getJob(
  table: string,
  job: string,
  options: { consistentRead?: boolean } = {},
): Promise<Record<string, unknown> | undefined> {
  const res = await dynamo().send(
    new GetCommand({ TableName: table, Key: { job }, ...(options.consistentRead ? { ConsistentRead: true } : {}) }),
  );
  return res.Item;
}

/**
 * Writes (replaces) one jobs-table item.
 *
 * @example
 * await putJob(jobsTable, { job: 'sweeper#rules', swept: fingerprint });
 */
export async function putJob(table: string, item: JobItem): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: table, Item: item }));
}
