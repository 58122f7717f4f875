import { GetCommand, paginateScan, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { dynamo } from '../../aws/clients.js';
import type { Journey } from '../../journeys/schema.js';
import { ifConditionHolds } from '../../store/conditional.js';

/**
 * Where a campaign is in its life: the one TypeScript definition of the `CampaignStatus` enum, checked against the
 * campaigns SDL at compile time (see docs/architecture.md).
 */
export const campaignStatusSchema = z.enum(['DRAFT', 'ACTIVE', 'PAUSED', 'ENDED']);
export type CampaignStatus = z.infer<typeof campaignStatusSchema>;

/**
 * A campaign as stored in the campaigns table (partition key `id`): its life and its current journey version. The
 * journey documents of every version are in the campaign-versions table; the current one is copied here so the
 * engine loads its active campaigns in one scan. Written only by this module after `parseJourney` checked it.
 */
export const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  status: campaignStatusSchema,
  /** The current journey version (1 on creation; `updateCampaign` adds one). */
  version: z.number().int().positive(),
  journey: z.custom<Journey>((v) => typeof v === 'object' && v !== null),
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

/** One published journey version, as the campaign-versions table keeps it. */
export interface CampaignVersion {
  campaignId: string;
  version: number;
  journey: Journey;
  createdAt: string;
}

/**
 * Stores a new campaign (ids are random UUIDs) and its version 1. The version goes first: a campaign item never
 * names a version that is not stored.
 */
export async function putCampaign(tables: { campaigns: string; campaignVersions: string }, campaign: Campaign): Promise<Campaign> {
  await putVersion(tables.campaignVersions, { campaignId: campaign.id, version: campaign.version, journey: campaign.journey, createdAt: campaign.createdAt });
  await dynamo().send(new PutCommand({ TableName: tables.campaigns, Item: campaign }));
  return campaign;
}

/** Writes a version unless it exists (versions are immutable); false when another writer made it first. */
async function putVersion(table: string, v: CampaignVersion): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(new PutCommand({ TableName: table, Item: v, ConditionExpression: 'attribute_not_exists(campaignId)' })),
  );
}

/**
 * One journey version, or null. Versions never change once written, so callers may cache them for good.
 *
 * @example
 * const v = await getCampaignVersion(tables.campaignVersions, 'c1', 2);
 */
export async function getCampaignVersion(table: string, campaignId: string, version: number): Promise<CampaignVersion | null> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { campaignId, version } }));
  return (res.Item as CampaignVersion | undefined) ?? null;
}

/**
 * Publishes a new journey version if the campaign is still at `expectedVersion` (optimistic: two editors cannot
 * both make version n+1). Null when it is not: the caller reports the conflict. Running enrollments stay on theirs.
 *
 * @example
 * const updated = await updateCampaignJourney(tables, id, 1, { name, journey }, now);
 */
export async function updateCampaignJourney(
  tables: { campaigns: string; campaignVersions: string },
  id: string,
  expectedVersion: number,
  change: { name: string; description?: string; journey: Journey },
  now: string,
): Promise<Campaign | null> {
  const version = expectedVersion + 1;
  const current = await getCampaign(tables.campaigns, id);
  if (!current || current.version !== expectedVersion) return null;
  // Whoever writes version n+1 first owns it; the other editor gets a conflict.
  if (!(await putVersion(tables.campaignVersions, { campaignId: id, version, journey: change.journey, createdAt: now }))) return null;
  const next: Campaign = { ...current, ...change, version, updatedAt: now };
  if (change.description === undefined) delete next.description;
  const written = await ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: tables.campaigns,
        Item: next,
        ConditionExpression: '#v = :v',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': expectedVersion },
      }),
    ),
  );
  return written ? next : null;
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
