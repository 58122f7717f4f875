import * as z from 'zod';
import type { StoredEvent } from '../events/schema.js';

/**
 * Kinds of identity a profile can be found by: the one TypeScript definition of the GraphQL `IdentityKind` enum,
 * checked against the profiles SDL at compile time (see docs/architecture.md).
 */
export const identityKindSchema = z.enum([
  'USER_ID',
  'ANONYMOUS_ID',
  'DEVICE_ID',
  'EMAIL',
  'PHONE',
  'WECHAT_OPENID',
  'WECHAT_UNIONID',
]);
export type IdentityKind = z.infer<typeof identityKindSchema>;

/** One identity a profile holds, with the event time it was first seen on it. */
export interface Identity {
  kind: IdentityKind;
  /** Normalised value; for EMAIL and PHONE a SHA-256 hex digest, never the raw value. */
  value: string;
  firstSeenAt: string;
}

/** An identity as an event names it, normalised: what identity keys, links and limits are about. */
export interface IdentityRef {
  kind: IdentityKind;
  value: string;
}

/** An identity link to write: new, or re-pointed from `previousUserId` by a merge. */
export interface PlannedLink {
  ref: IdentityRef;
  previousUserId?: string;
  /** Event time of the event that linked it. */
  at: string;
}

/** A profile to merge into the routed one, with the identity and the event that linked them. */
export interface PlannedMerge {
  from: string;
  ref: IdentityRef;
  event: StoredEvent;
}

/** What routing needs of a stored identity link (the identities table's row). */
export interface KnownLink {
  userId: string;
  linkedAt: string;
}
