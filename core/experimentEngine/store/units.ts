import { PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import { batchGetAll } from '../../store/batchGet.js';
import { ifConditionHolds } from '../../store/conditional.js';
import type { UnitState } from '../../experiments/units.js';

/** A unit as stored: keyed by experiment and user, with a revision for optimistic writes. */
export interface StoredUnit extends UnitState {
  experimentId: string;
  userId: string;
  rev: number;
}

const keyOf = (experimentId: string, userId: string) => `${experimentId}\u0000${userId}`;

/**
 * The stored units of the given (experiment, user) pairs, by `experimentId + "\0" + userId`.
 *
 * @example
 * const units = await getUnits(table, [{ experimentId: 'cta', userId: 'u1' }]);
 */
export async function getUnits(table: string, pairs: ReadonlyArray<{ experimentId: string; userId: string }>): Promise<Map<string, StoredUnit>> {
  const items = await batchGetAll(table, pairs.map((p) => ({ experimentId: p.experimentId, userId: p.userId })));
  return new Map(items.map((i) => [keyOf(i.experimentId as string, i.userId as string), i as unknown as StoredUnit]));
}

export { keyOf as unitKey };

/**
 * Writes a unit if nobody else wrote it since it was read (`rev` one higher than the read's, or new). False on a
 * conflict: the caller's batch fails and the stream redelivers it, and the fold is idempotent per event id.
 */
export function putUnit(table: string, unit: StoredUnit): Promise<boolean> {
  const fresh = unit.rev === 1;
  return ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: table,
        Item: unit,
        ConditionExpression: fresh ? 'attribute_not_exists(userId)' : 'rev = :prev',
        ExpressionAttributeValues: fresh ? undefined : { ':prev': unit.rev - 1 },
      }),
    ),
  );
}

/**
 * Every unit of one experiment, page by page (only what the analysis reads), handed to `each`.
 *
 * @example
 * await forEachUnit(table, 'cta', (u) => summary.add(u));
 */
export async function forEachUnit(table: string, experimentId: string, each: (u: Pick<UnitState, 'variation' | 'values' | 'multiple' | 'exposedAt'>) => void): Promise<void> {
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      KeyConditionExpression: 'experimentId = :e',
      ExpressionAttributeValues: { ':e': experimentId },
      ProjectionExpression: 'variation, #v, multiple, exposedAt',
      ExpressionAttributeNames: { '#v': 'values' },
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) each(item as Pick<UnitState, 'variation' | 'values' | 'multiple' | 'exposedAt'>);
}
