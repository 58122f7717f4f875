import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import type { NewUserHint } from '../../analytics/aggregate.js';
import { ifConditionHolds } from '../../store/conditional.js';
import type { AggregateKey } from './aggregates.js';

/**
 * Records when a user was first seen, once. True when this call made the record, or when the record names this
 * very event (an earlier attempt of the same batch made it, and its NEW_USERS count may not have been written).
 */
export async function putFirstSeen(table: string, key: AggregateKey, u: NewUserHint): Promise<boolean> {
  const made = await ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({ TableName: table, Item: { ...key, firstAt: u.firstAt, eventId: u.eventId }, ConditionExpression: 'attribute_not_exists(series)' }),
    ),
  );
  if (made) return true;
  const existing = await dynamo().send(new GetCommand({ TableName: table, Key: key, ProjectionExpression: 'eventId' }));
  return existing.Item?.eventId === u.eventId;
}
