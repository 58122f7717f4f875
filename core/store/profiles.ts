import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { dynamo } from '../aws/clients.js';
import { reviveProfile } from '../profile/revive.js';
import { churnBandSchema, type Profile } from '../profile/types.js';
import { batchGetAll } from './batchGet.js';
import { decodeReasons, REASONS_ATTR } from './churnCodec.js';
import { ifConditionHolds } from './conditional.js';
import { BODY_ATTRS, decodeProfile, encodeProfile } from './profileCodec.js';

/** The churn scorer's output, kept in its own attribute so the tagger's writes never overwrite it. */
export const churnSchema = z.object({
  probability: z.number(),
  band: churnBandSchema,
  reasons: z.array(z.string()),
  modelVersion: z.string(),
  scoredAt: z.string(),
  /** When the profile entered its current band (scores written before this field existed lack it). */
  bandSince: z.string().optional(),
});
export type ChurnScore = z.infer<typeof churnSchema>;

/**
 * A profile as stored: the document (one attribute, laid out by `profileCodec.ts`), its optimistic-lock version
 * and the churn score.
 */
export interface StoredProfile {
  profile: Profile;
  /** 0 for a profile that does not exist yet. */
  version: number;
  churn: ChurnScore | null;
}

/** The churn attribute as stored: reasons compressed (`rz`, `core/store/churnCodec.ts`), or plain in older items. */
const storedChurnSchema = churnSchema.omit({ reasons: true }).extend({
  reasons: z.array(z.string()).optional(),
  [REASONS_ATTR]: z.instanceof(Uint8Array).optional(),
});

const itemSchema = z.object({
  userId: z.string(),
  version: z.number(),
  churn: storedChurnSchema.optional(),
});

/**
 * Parses a stored item, in the current layout or the one before it (`doc`); the document was written by this
 * code, so only its envelope is checked here.
 */
export function fromItem(item: unknown): StoredProfile {
  const parsed = itemSchema.parse(item);
  const profile = decodeProfile(item as Record<string, unknown>);
  if (!profile) throw new Error(`profile item ${parsed.userId} has no document`);
  return { profile: reviveProfile(profile), version: parsed.version, churn: parsed.churn ? churnFromItem(parsed.churn) : null };
}

/**
 * The churn score of an item. Compressed reasons are inflated on first read of `reasons` (then kept): most readers
 * of a profile never ask for them.
 */
function churnFromItem(stored: z.infer<typeof storedChurnSchema>): ChurnScore {
  const { reasons, [REASONS_ATTR]: rz, ...rest } = stored;
  if (!rz) return { ...rest, reasons: reasons ?? [] };
  let decoded: string[] | undefined;
  return Object.defineProperty({ ...rest, reasons: [] }, 'reasons', { get: () => (decoded ??= decodeReasons(rz)), enumerable: true });
}

/**
 * Reads many profiles with BatchGetItem.
 *
 * @example
 * const found = await getProfiles(table, ['u1', 'u2']); // Map of the ones that exist
 */
export async function getProfiles(table: string, userIds: string[]): Promise<Map<string, StoredProfile>> {
  const found = new Map<string, StoredProfile>();
  for (const item of await batchGetAll(table, [...new Set(userIds)].map((userId) => ({ userId })))) {
    const stored = fromItem(item);
    found.set(stored.profile.userId, stored);
  }
  return found;
}

/** Thrown when another writer changed the profile since it was read; the caller retries the records. */
export class ProfileConflictError extends Error {
  constructor(readonly userId: string) {
    super(`profile ${userId} changed concurrently`);
    this.name = 'ProfileConflictError';
  }
}

/**
 * Writes a profile document if its version is still `expectedVersion` (0: it must not exist), leaving the churn
 * attribute alone. This is the one write per user per batch. The document goes in the attribute its layout
 * names, and the other layouts' attributes are removed, so an item written before is converted in the same write.
 */
export async function saveProfile(table: string, profile: Profile, expectedVersion: number): Promise<number> {
  const next = expectedVersion + 1;
  const body = encodeProfile(profile);
  const stale = BODY_ATTRS.filter((a) => a !== body.attr);
  const written = await ifConditionHolds(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: { userId: profile.userId },
        UpdateExpression: `SET #body = :body, #version = :next REMOVE ${stale.map((_, i) => `#stale${i}`).join(', ')}`,
        ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(#version)' : '#version = :expected',
        ExpressionAttributeNames: {
          '#body': body.attr,
          '#version': 'version',
          ...Object.fromEntries(stale.map((a, i) => [`#stale${i}`, a])),
        },
        ExpressionAttributeValues: {
          ':body': body.value,
          ':next': next,
          ...(expectedVersion === 0 ? {} : { ':expected': expectedVersion }),
        },
      }),
    ),
  );
  if (!written) throw new ProfileConflictError(profile.userId);
  return next;
}

/** Deletes a profile that was merged into another, if it is still at the version that was merged. */
export async function deleteProfile(table: string, userId: string, expectedVersion: number): Promise<void> {
  const deleted = await ifConditionHolds(() =>
    dynamo().send(
      new DeleteCommand({
        TableName: table,
        Key: { userId },
        ConditionExpression: '#version = :v',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':v': expectedVersion },
      }),
    ),
  );
  if (!deleted) throw new ProfileConflictError(userId);
}

/** Tags a stored profile holds outside its document: `churn_risk_high` while the churn band is HIGH. */
export function externalTagsOf(stored: Pick<StoredProfile, 'churn'> | undefined): string[] {
  return stored?.churn?.band === 'HIGH' ? ['churn_risk_high'] : [];
}
