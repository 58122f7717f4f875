import { createHash } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';

/** An operation's id: the SHA-256 hex of its text, as APQ clients send it (`extensions.persistedQuery.sha256Hash`). */
export const operationId = (query: string) => createHash('sha256').update(query).digest('hex');

/** A registered GraphQL operation: its text, keyed by the SHA-256 hex of that text (APQ's `sha256Hash`). */
export interface PersistedOperation {
  id: string;
  query: string;
  name: string | null;
  registeredAt: string;
  registeredBy: string;
}

export async function putOperation(table: string, op: PersistedOperation): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: table, Item: op }));
}

/** The text of a registered operation, or undefined. */
export async function getOperationText(table: string, id: string): Promise<string | undefined> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { id }, ProjectionExpression: '#q', ExpressionAttributeNames: { '#q': 'query' } }));
  return typeof res.Item?.query === 'string' ? res.Item.query : undefined;
}
