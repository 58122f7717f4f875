import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import { batchGetAll } from '../../store/batchGet.js';

export type ErasureStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

/** One store's part of an erasure. */
export interface ErasureStoreState {
  store: string;
  status: ErasureStatus;
  /** Items deleted from it (a rerun counts only what was still there). */
  deleted: number;
  attempts: number;
}

/** An erasure job as the jobs table holds it (`erasure#<id>`). */
export interface ErasureJob {
  id: string;
  userId: string;
  status: ErasureStatus;
  requestedAt: string;
  requestedBy: string;
  completedAt?: string;
  stores: ErasureStoreState[];
  /** What to delete, read from the profile before anything is: identity keys and membership keys. Dropped at the end. */
  plan?: { identities: string[]; memberships: string[]; profiles: string[] };
}

const jobKey = (id: string) => `erasure#${id}`;
/** The ids of the jobs not finished yet: a string set on one item, so the scheduled run finds them without a scan. */
const QUEUE = 'erasure-queue';

export async function getErasureJob(table: string, id: string): Promise<ErasureJob | null> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { job: jobKey(id) }, ConsistentRead: true }));
  if (!res.Item) return null;
  const { job: _key, ...job } = res.Item;
  return job as ErasureJob;
}

export async function saveErasureJob(table: string, job: ErasureJob): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: table, Item: { job: jobKey(job.id), ...job } }));
}

/** Adds a job to the queue, or takes it off. */
export async function queueErasure(table: string, id: string, pending: boolean): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: table,
      Key: { job: QUEUE },
      UpdateExpression: `${pending ? 'ADD' : 'DELETE'} ids :id`,
      ExpressionAttributeValues: { ':id': new Set([id]) },
    }),
  );
}

export async function queuedErasures(table: string): Promise<string[]> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { job: QUEUE }, ConsistentRead: true }));
  const ids = res.Item?.ids as Set<string> | undefined;
  return ids ? [...ids].sort() : [];
}

/** Jobs by the UTC month they were asked for: a string set of `<requestedAt>|<id>` per month, so listing never scans. */
const monthKey = (month: string) => `erasure-month#${month}`;
/** How far back `recentErasureJobs` looks. */
const LISTED_MONTHS = 13;

export async function indexErasure(table: string, job: Pick<ErasureJob, 'id' | 'requestedAt'>): Promise<void> {
  await dynamo().send(
    new UpdateCommand({
      TableName: table,
      Key: { job: monthKey(job.requestedAt.slice(0, 7)) },
      UpdateExpression: 'ADD entries :e',
      ExpressionAttributeValues: { ':e': new Set([`${job.requestedAt}|${job.id}`]) },
    }),
  );
}

/** The newest `first` (at most 100) jobs asked for in the last 13 months, newest first. */
export async function recentErasureJobs(table: string, first: number, now: Date): Promise<ErasureJob[]> {
  const entries: string[] = [];
  for (let back = 0; back < LISTED_MONTHS && entries.length < first; back++) {
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString().slice(0, 7);
    const res = await dynamo().send(new GetCommand({ TableName: table, Key: { job: monthKey(month) } }));
    entries.push(...[...((res.Item?.entries as Set<string> | undefined) ?? [])].sort().reverse());
  }
  const ids = entries.slice(0, first).map((e) => e.slice(e.indexOf('|') + 1));
  const items = await batchGetAll(table, ids.map((id) => ({ job: jobKey(id) })));
  const byId = new Map(items.map(({ job: _key, ...job }) => [job.id as string, job as unknown as ErasureJob]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
