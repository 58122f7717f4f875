import { GetCommand, paginateScan, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamo } from '../aws/clients.js';

/**
 * Where a campaign is in its life: the one TypeScript definition of the `CampaignStatus` enum, checked against the
 * campaigns SDL at compile time (see docs/architecture.md).
 */
export const campaignStatusSchema = z.enum(['DRAFT', 'ACTIVE', 'PAUSED', 'ENDED']);
export type CampaignStatus = z.infer<typeof campaignStatusSchema>;

/** A campaign as stored in the campaigns table (partition key `id`). */
export const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Channel it sends on: a short lower-case name such as `email`. */
  channel: z.string(),
  /** Segment whose members it targets. */
  segmentId: z.string(),
  status: campaignStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Campaign = z.infer<typeof campaignSchema>;

/**
 * Every campaign, in scan order (the caller sorts).
 *
 * @example
 * const all = await listCampaigns(tables.campaigns);
 */
export async function listCampaigns(table: string): Promise<Campaign[]> {
  const campaigns: Campaign[] = [];
  for await (const page of paginateScan({ client: dynamo() }, { TableName: table })) {
    for (const item of page.Items ?? []) campaigns.push(campaignSchema.parse(item));
  }
  return campaigns;
}

/**
 * One campaign by id, or null.
 *
 * @example
 * const campaign = await getCampaign(tables.campaigns, id);
 */
export async function getCampaign(table: string, id: string): Promise<Campaign | null> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { id } }));
  return res.Item ? campaignSchema.parse(res.Item) : null;
}

/** Stores a campaign (a new one: ids are random UUIDs). */
export async function putCampaign(table: string, campaign: Campaign): Promise<Campaign> {
  await dynamo().send(new PutCommand({ TableName: table, Item: campaign }));
  return campaign;
}

/**
 * Moves a campaign from status `from` to `to`, only if it is still at `from` (a conditional update: a concurrent move
 * fails with `ConditionalCheckFailedException`). Returns the updated campaign.
 *
 * @example
 * const moved = await updateCampaignStatus(tables.campaigns, id, 'DRAFT', 'ACTIVE', now);
 */
export async function updateCampaignStatus(
  table: string,
  id: string,
  from: CampaignStatus,
  to: CampaignStatus,
  now: string,
): Promise<Campaign> {
  const res = await dynamo().send(
    new UpdateCommand({
      TableName: table,
      Key: { id },
      UpdateExpression: 'SET #s = :s, updatedAt = :u',
      ConditionExpression: '#s = :from',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': to, ':u': now, ':from': from },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return campaignSchema.parse(res.Attributes);
}
