import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import type { IdentityKind } from '../profile/types.js';
import { batchGetAll } from './batchGet.js';
import { ifConditionHolds } from './conditional.js';

/** One row of the identities table: which profile an identity belongs to. */
export interface IdentityLink {
  /** `<KIND>#<value>` (see identityKey). */
  id: string;
  kind: IdentityKind;
  userId: string;
  linkedAt: string;
}

/** Looks up many identity keys at once; absent keys are absent from the map. */
export async function getIdentityLinks(table: string, ids: string[]): Promise<Map<string, IdentityLink>> {
  const items = await batchGetAll(table, [...new Set(ids)].map((id) => ({ id })));
  return new Map(items.map((item) => [String(item.id), item as unknown as IdentityLink]));
}

/**
 * Points an identity at a profile. Re-pointing is allowed only from `previousUserId` (a merge); a link that
 * already points elsewhere is left as it is and `false` comes back, so two writers cannot steal an identity.
 */
export async function putIdentityLink(table: string, link: IdentityLink, previousUserId?: string): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: table,
        Item: link,
        ConditionExpression: previousUserId
          ? 'attribute_not_exists(id) OR userId = :mine OR userId = :previous'
          : 'attribute_not_exists(id) OR userId = :mine',
        ExpressionAttributeValues: { ':mine': link.userId, ...(previousUserId ? { ':previous': previousUserId } : {}) },
      }),
    ),
  );
}
