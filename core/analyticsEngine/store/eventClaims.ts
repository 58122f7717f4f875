import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import type { RecordPosition } from '../../profile/fold.js';
import { ifConditionHolds } from '../../store/conditional.js';

/** How long an event id is remembered: a client resending an event later than this is counted again. */
export const CLAIM_TTL_SECONDS = 7 * 86_400;

const claimKey = (eventId: string) => ({ series: JSON.stringify(['$event', eventId]), bucket: 0 });
const positionOf = (p: RecordPosition) => `${p.shardId}/${p.sequenceNumber}`;

/**
 * Claims an event id for the stream record at `position`: true when this record is the one that counts (the claim
 * is new, or an earlier attempt of this same record made it), false when another record with the same event id
 * (a client's resend) claimed it first. Redelivery of one record is absorbed by the counters' watermarks; resends
 * are different records, which only a claim on the id can tell apart.
 *
 * @example
 * if (await claimEvent(table, event.eventId, position, Date.now())) counted.push(event);
 */
export async function claimEvent(table: string, eventId: string, position: RecordPosition, nowMs: number): Promise<boolean> {
  const key = claimKey(eventId);
  const pos = positionOf(position);
  const made = await ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: table,
        Item: { ...key, pos, expiresAt: Math.floor(nowMs / 1000) + CLAIM_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(series)',
      }),
    ),
  );
  if (made) return true;
  const existing = await dynamo().send(new GetCommand({ TableName: table, Key: key, ProjectionExpression: 'pos' }));
  return existing.Item?.pos === pos;
}
