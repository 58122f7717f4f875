import type { Identity, IdentityKind, IdentityRef } from './types.js';

/** How many identities of one kind a profile may hold before further links are refused (and audited). */
export const IDENTITY_LIMITS: Record<IdentityKind, number> = {
  USER_ID: 5,
  ANONYMOUS_ID: 50,
  DEVICE_ID: 20,
  EMAIL: 5,
  PHONE: 5,
  WECHAT_OPENID: 10,
  WECHAT_UNIONID: 2,
};

/**
 * Whether a profile holds the identity already or has room for one more of its kind (see {@link IDENTITY_LIMITS}):
 * the check before an identity is attached or a profile linked by it is merged.
 *
 * @example
 * if (!hasRoomFor(profile, { kind: 'ANONYMOUS_ID', value: 'a-1' })) refuse(ref);
 */
export function hasRoomFor(holder: { identities: readonly Identity[] }, ref: IdentityRef): boolean {
  let ofKind = 0;
  for (const i of holder.identities) {
    if (i.kind !== ref.kind) continue;
    if (i.value === ref.value) return true;
    ofKind++;
  }
  return ofKind < IDENTITY_LIMITS[ref.kind];
}
