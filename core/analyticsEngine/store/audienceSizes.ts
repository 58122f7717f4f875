import { paginateQuery, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';

/** What an audience-size series counts: a segment's members, or the users in one churn band. */
export type AudienceKind = 'SEGMENT' | 'CHURN';

/** The aggregates item name of an audience's daily sizes (a JSON array: no id can collide with another series). */
export const audienceSeries = (kind: AudienceKind, id: string) => `SIZE#${JSON.stringify([kind, id])}`;

/** One day's size: the last snapshot taken in that UTC day. */
export interface AudienceSize {
  /** UTC day start, epoch ms. */
  day: number;
  size: number;
  /** When it was counted (ISO). */
  at: string;
}

/**
 * Records an audience's size for the UTC day of `at`: the day's item is overwritten by each later snapshot of that
 * day, so it holds the latest count (an end-of-day size once the day is over).
 *
 * @example
 * await putAudienceSize(table, 'SEGMENT', 'vip', 1200, '2026-12-03T10:00:00.000Z');
 */
export async function putAudienceSize(table: string, kind: AudienceKind, id: string, size: number, at: string): Promise<void> {
  const day = Math.floor(Date.parse(at) / 86_400_000) * 86_400_000;
  await dynamo().send(new PutCommand({ TableName: table, Item: { series: audienceSeries(kind, id), bucket: day, size, at } }));
}

/**
 * An audience's daily sizes with a day in `[from, to)`, oldest first (days without a snapshot are absent).
 *
 * @example
 * await audienceSizes(table, 'CHURN', 'HIGH', Date.parse('2026-11-01'), Date.parse('2026-12-01'))
 */
export async function audienceSizes(table: string, kind: AudienceKind, id: string, from: number, to: number): Promise<AudienceSize[]> {
  const out: AudienceSize[] = [];
  const firstDay = Math.floor(from / 86_400_000) * 86_400_000;
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      KeyConditionExpression: 'series = :s AND #b BETWEEN :a AND :b',
      ExpressionAttributeNames: { '#b': 'bucket' }, // a reserved word
      ExpressionAttributeValues: { ':s': audienceSeries(kind, id), ':a': firstDay, ':b': to - 1 },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) out.push({ day: Number(item.bucket), size: Number(item.size), at: String(item.at) });
  }
  return out;
}
