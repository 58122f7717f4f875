import { paginateScan, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { fromItem, type StoredProfile } from './profiles.js';

/** Largest Scan page {@link sampleProfiles} asks for. */
const SAMPLE_PAGE = 500;

/**
 * One page of profiles in the table's scan order, after the profile `afterUserId` (exclusive). `hasMore` is true when
 * DynamoDB says the scan can continue (it may then turn out empty).
 *
 * @example
 * const { profiles, hasMore } = await scanProfilesPage(tables.profiles, 20, lastUserIdOfPreviousPage);
 */
export async function scanProfilesPage(
  table: string,
  limit: number,
  afterUserId?: string,
): Promise<{ profiles: StoredProfile[]; hasMore: boolean }> {
  const res = await dynamo().send(
    new ScanCommand({ TableName: table, Limit: limit, ExclusiveStartKey: afterUserId ? { userId: afterUserId } : undefined }),
  );
  return { profiles: (res.Items ?? []).map(fromItem), hasMore: res.LastEvaluatedKey !== undefined };
}

/**
 * Exact number of profiles (a paged COUNT scan).
 *
 * @example
 * const totalCount = await countProfiles(tables.profiles);
 */
export async function countProfiles(table: string): Promise<number> {
  let count = 0;
  for await (const page of paginateScan({ client: dynamo() }, { TableName: table, Select: 'COUNT' })) count += page.Count ?? 0;
  return count;
}

/**
 * The first `sample` profiles in scan order (fewer when the table holds fewer), read in Scan pages of at most 500.
 * Stops reading as soon as it has handed out `sample` profiles.
 *
 * @example
 * for await (const stored of sampleProfiles(tables.profiles, 1000)) evaluate(stored.profile);
 */
export async function* sampleProfiles(table: string, sample: number): AsyncGenerator<StoredProfile> {
  if (sample < 1) return;
  let handed = 0;
  for await (const page of paginateScan({ client: dynamo(), pageSize: Math.min(SAMPLE_PAGE, sample) }, { TableName: table })) {
    for (const item of page.Items ?? []) {
      yield fromItem(item);
      if (++handed >= sample) return;
    }
  }
}
