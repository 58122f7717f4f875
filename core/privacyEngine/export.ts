import { randomUUID } from 'node:crypto';
import { archivedEventsOf, type ArchiveFiles } from '../analytics/archive/files.js';
import { getUnits } from '../experimentEngine/store/units.js';
import { anonymousProfileId } from '../identity/identities.js';
import { writeAudit } from '../store/audit.js';
import { keptAddresses } from '../store/contacts.js';
import { queryPartition, scanKeys } from '../store/partitions.js';
import { getProfiles } from '../store/profiles.js';
import type { ErasureTables } from './erasure.js';

/**
 * Everything held about one person, as one machine-readable document (GDPR art. 15 and 20, PIPL art. 45): the
 * profile (traits unmasked, identities, consent, tags, segments, stats history, churn score), enrollments, outbox
 * items, experiment units, the audit entries about them, the email and phone addresses kept for delivery (opened
 * with the identity key; without it they are left out) and, when the runtime has an archive, every archived event
 * (as a visitor too). The export itself is audited under `pii#<userId>`.
 *
 * @example
 * const doc = await exportUser(tables, 'u1', 'dpo', new Date(), { archive: archiveFiles, identitySecret });
 */
export async function exportUser(
  tables: ErasureTables,
  userId: string,
  by: string,
  now: Date,
  { archive, identitySecret }: { archive?: ArchiveFiles; identitySecret?: string } = {},
): Promise<Record<string, unknown>> {
  const [stored, enrollments, outbox, experiments, profileAudit, piiAudit] = await Promise.all([
    getProfiles(tables.profiles, [userId]).then((m) => m.get(userId)),
    queryPartition(tables.enrollments, { name: 'userId', value: userId }),
    queryPartition(tables.outbox, { name: 'userId', value: userId }),
    scanKeys(tables.experiments, 'id'),
    queryPartition(tables.audit, { name: 'subject', value: `profile#${userId}` }),
    queryPartition(tables.audit, { name: 'subject', value: `pii#${userId}` }),
  ]);
  const units = await getUnits(tables.experimentUnits, experiments.map((experimentId) => ({ experimentId, userId })));
  const anonymous = (stored?.profile.identities ?? []).filter((i) => i.kind === 'ANONYMOUS_ID').map((i) => anonymousProfileId(i.value));
  const events = archive ? await archivedEventsOf(archive, [userId, ...anonymous]) : null;
  const contacts = stored && identitySecret ? await keptAddresses(tables.contacts, stored.profile.identities, ['EMAIL', 'PHONE'], identitySecret) : [];
  await writeAudit(tables.audit, { subject: `pii#${userId}`, at: `${now.toISOString()}#user_exported#${randomUUID()}`, action: 'user_exported', detail: { by } });
  return {
    userId,
    exportedAt: now.toISOString(),
    found: stored !== undefined,
    profile: stored ? { ...stored.profile, churn: stored.churn } : null,
    enrollments,
    outbox,
    experiments: [...units.values()],
    audit: [...profileAudit, ...piiAudit],
    contacts,
    // null: this runtime has no archive to read (the profile's recent events are in `profile`).
    events,
  };
}
