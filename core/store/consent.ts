import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { batchGetAll } from './batchGet.js';
import { ifConditionHolds } from './conditional.js';

/**
 * Writes a person's consent by purpose (the tagger, when an event or merge changed it). Later writes win by
 * `asOf` (event time), so a redelivered older batch never undoes a newer choice.
 */
export async function putConsent(table: string, userId: string, consent: Record<string, boolean>, asOf: string): Promise<void> {
  await ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: table,
        Item: { userId, consent, asOf },
        ConditionExpression: 'attribute_not_exists(userId) OR asOf <= :a',
        ExpressionAttributeValues: { ':a': asOf },
      }),
    ),
  );
}

/**
 * Of `userIds`, those who refused `purpose` (consent `false`; no record or no answer is not a refusal).
 *
 * @example
 * const out = await refusedConsent(consentTable, ['u1', 'u2'], 'analytics') // Set { 'u2' }
 */
export async function refusedConsent(table: string, userIds: readonly string[], purpose: string): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const items = await batchGetAll(table, [...new Set(userIds)].map((userId) => ({ userId })));
  return new Set(items.filter((i) => (i.consent as Record<string, unknown> | undefined)?.[purpose] === false).map((i) => String(i.userId)));
}
