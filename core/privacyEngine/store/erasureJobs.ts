import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';

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
