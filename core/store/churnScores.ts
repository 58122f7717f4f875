import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { encodeReasons, REASONS_ATTR } from './churnCodec.js';
import { ifConditionHolds } from './conditional.js';
import type { ChurnScore } from './profiles.js';

/**
 * Sets a profile's `churn` attribute (its reasons compressed: `core/store/churnCodec.ts`) if the profile still
 * exists and its churn is still `prev` (the score the new one was computed against; null: it must have none).
 * Returns false when that condition failed.
 *
 * @example
 * if (!(await writeChurnScore(tables.profiles, userId, next, stored.churn))) { … re-read and retry … }
 */
export async function writeChurnScore(table: string, userId: string, churn: ChurnScore, prev: ChurnScore | null): Promise<boolean> {
  const { reasons, ...rest } = churn;
  return ifConditionHolds(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: { userId },
        UpdateExpression: 'SET #c = :c',
        ConditionExpression: prev
          ? 'attribute_exists(#u) AND #c.#s = :s AND #c.#p = :p AND #c.#b = :b AND #c.#v = :v'
          : 'attribute_exists(#u) AND attribute_not_exists(#c)',
        ExpressionAttributeNames: {
          '#u': 'userId',
          '#c': 'churn',
          ...(prev ? { '#s': 'scoredAt', '#p': 'probability', '#b': 'band', '#v': 'modelVersion' } : {}),
        },
        ExpressionAttributeValues: {
          ':c': { ...rest, [REASONS_ATTR]: encodeReasons(reasons) },
          ...(prev ? { ':s': prev.scoredAt, ':p': prev.probability, ':b': prev.band, ':v': prev.modelVersion } : {}),
        },
      }),
    ),
  );
}
