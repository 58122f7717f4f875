import { DeleteCommand, paginateQuery, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { STARTER_RULES, STARTER_SEGMENTS } from '../rules/starterRules.js';
import { ifConditionHolds } from './conditional.js';
import { segmentSchema, tagRuleSchema, type Segment, type TagRule } from '../rules/types.js';

type Kind = 'tag' | 'segment' | 'meta';

async function queryKind(table: string, kind: Kind): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    { TableName: table, KeyConditionExpression: 'kind = :k', ExpressionAttributeValues: { ':k': kind } },
  );
  for await (const res of pages) items.push(...(res.Items ?? []));
  return items;
}

export async function listTagRules(table: string): Promise<TagRule[]> {
  return (await queryKind(table, 'tag')).map((i) => tagRuleSchema.parse(i));
}

export async function listSegments(table: string): Promise<Segment[]> {
  return (await queryKind(table, 'segment')).map((i) => segmentSchema.parse(i));
}

/** Thrown when an update names a version that is no longer current (someone else changed the rule). */
export class VersionConflictError extends Error {}

/**
 * Creates (expectedVersion 0) or updates a tag rule or segment with optimistic versioning: every change bumps
 * `version`, which tags record as the version of the rule that set them.
 */
export async function putDefinition<T extends { id: string; version: number }>(
  table: string,
  kind: 'tag' | 'segment',
  value: T,
  expectedVersion: number,
): Promise<T> {
  const written = await ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: table,
        Item: { kind, ...value },
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(id)' : 'version = :v',
        ExpressionAttributeValues: expectedVersion === 0 ? undefined : { ':v': expectedVersion },
      }),
    ),
  );
  if (!written) {
    throw new VersionConflictError(
      expectedVersion === 0 ? `${kind} ${value.id} already exists` : `${kind} ${value.id} is not at version ${expectedVersion}`,
    );
  }
  return value;
}

/** Deletes a tag rule or segment; false when it did not exist. */
export async function deleteDefinition(table: string, kind: 'tag' | 'segment', id: string): Promise<boolean> {
  const res = await dynamo().send(new DeleteCommand({ TableName: table, Key: { kind, id }, ReturnValues: 'ALL_OLD' }));
  return res.Attributes !== undefined;
}

/**
 * Installs the starter rule pack and segments once per table. A marker row records that it happened, so rules
 * the operators delete later stay deleted.
 */
export async function seedStarterRules(table: string, now: string): Promise<boolean> {
  const marker = await dynamo().send(new QueryCommand({
    TableName: table,
    KeyConditionExpression: 'kind = :k AND id = :id',
    ExpressionAttributeValues: { ':k': 'meta', ':id': 'starter-pack' },
  }));
  if ((marker.Items ?? []).length > 0) return false;
  // Rules first, marker last: a reader that sees the marker sees the whole pack; racing seeders are harmless
  // because each rule is created only if absent.
  for (const rule of STARTER_RULES) {
    await putDefinition(table, 'tag', { ...rule, enabled: true, version: 1, updatedAt: now }, 0).catch(ignoreExisting);
  }
  for (const segment of STARTER_SEGMENTS) {
    await putDefinition(table, 'segment', { ...segment, version: 1, updatedAt: now }, 0).catch(ignoreExisting);
  }
  await dynamo().send(new PutCommand({ TableName: table, Item: { kind: 'meta', id: 'starter-pack', installedAt: now } }));
  return true;
}

function ignoreExisting(err: unknown): void {
  if (!(err instanceof VersionConflictError)) throw err;
}
