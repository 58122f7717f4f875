import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import type { BanditState } from '../../experiments/bandit.js';
import { ifConditionHolds } from '../../store/conditional.js';

/** A campaign's bandit states, one per THOMPSON RANDOM node, in the jobs table. */
export interface CampaignBandits {
  nodes: Record<string, BanditState>;
  /** Reweightings of all nodes so far: the optimistic-write guard. */
  updates: number;
}

const jobOf = (campaignId: string) => `bandit#${campaignId}`;

/**
 * The stored bandit states of a campaign (none before its first reweighting).
 *
 * @example
 * const { nodes } = await getBandits(tables.jobs, campaign.id);
 */
export async function getBandits(table: string, campaignId: string): Promise<CampaignBandits> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { job: jobOf(campaignId) } }));
  return res.Item ? { nodes: res.Item.nodes as Record<string, BanditState>, updates: res.Item.updates as number } : { nodes: {}, updates: 0 };
}

/** Saves new states if nobody saved since `previous` was read; false when someone did. */
export function saveBandits(table: string, campaignId: string, previous: CampaignBandits, nodes: Record<string, BanditState>): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: table,
        Item: { job: jobOf(campaignId), nodes, updates: previous.updates + 1 },
        ConditionExpression: previous.updates === 0 ? 'attribute_not_exists(job)' : 'updates = :u',
        ExpressionAttributeValues: previous.updates === 0 ? undefined : { ':u': previous.updates },
      }),
    ),
  );
}
