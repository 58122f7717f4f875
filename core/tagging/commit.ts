import { publishChanges } from '../changes/publishChanges.js';
import { identityKey } from '../identity/identities.js';
import type { DeviceActivity } from '../identity/deviceActivity.js';
import type { PlannedLink } from '../identity/types.js';
import { saveDeviceActivity } from '../store/deviceActivity.js';
import { writeAudit } from '../store/audit.js';
import { putIdentityLink, type IdentityLink } from '../store/identities.js';
import { putConsent } from '../store/consent.js';
import { applyMemberships } from '../store/memberships.js';
import { deleteProfile, saveProfile } from '../store/profiles.js';
import { membershipDeltasOf } from './membershipDeltas.js';
import type { PreparedGroup } from './prepare.js';
import { appendProfileAudit } from './profileAudit.js';
import type { ProfileEngineTables } from './tables.js';

/**
 * Writes what the batch prepared. Side effects (identity links, devices' counted events, membership rows, the
 * changes stream, the audit log) go first, batched across users; each profile is written last, once. If a profile write then fails, the
 * retry recomputes the same idempotent side effects; written after it, they would be lost on a failure in
 * between, because the retried records would be skipped as already applied. Returns one outcome per prepared
 * group, in order; a side-effect failure rejects, failing the whole batch.
 *
 * @example
 * const outcomes = await commit(tables, prepared);
 */
export async function commit(
  tables: ProfileEngineTables,
  prepared: readonly PreparedGroup[],
  devices: readonly DeviceActivity[] = [],
): Promise<PromiseSettledResult<void>[]> {
  await Promise.all([
    ...prepared.flatMap((p) => p.group.links.map((link) => writeLink(tables.identities, p, link))),
    ...devices.map((d) => saveDeviceActivity(tables.identities, d)),
  ]);
  const changes = prepared.flatMap((p) => p.changes);
  await applyMemberships(tables.memberships, membershipDeltasOf(changes));
  await publishChanges(tables.changesStream, changes);
  await Promise.all(prepared.flatMap((p) => p.audits.map((a) => writeAudit(tables.audit, a))));
  await Promise.all(
    prepared.filter((p) => p.consentChanged).map((p) => putConsent(tables.consent, p.profile.userId, { ...p.profile.consent }, p.profile.lastSeenAt ?? '')),
  );
  return Promise.allSettled(
    prepared.map(async (p) => {
      await saveProfile(tables.profiles, p.profile, p.expectedVersion);
      for (const source of p.merged) await deleteProfile(tables.profiles, source.profile.userId, source.version);
    }),
  );
}

/** Writes one planned identity link; a link another profile holds is left alone and audited as a conflict. */
async function writeLink(table: string, p: PreparedGroup, link: PlannedLink): Promise<void> {
  const ok = await putIdentityLink(
    table,
    { id: identityKey(link.ref), kind: link.ref.kind, userId: p.profile.userId, linkedAt: link.at } satisfies IdentityLink,
    link.previousUserId,
  );
  if (!ok) appendProfileAudit(p.audits, p.profile.userId, 'identity_conflict', link.at, { kind: link.ref.kind, reason: 'identity belongs to another profile' });
}
