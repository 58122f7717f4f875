import { randomUUID } from 'node:crypto';
import { eraseFromArchive } from '../analytics/archive/erase.js';
import type { ArchiveFiles } from '../analytics/archive/files.js';
import { firstSeenKey } from '../analyticsEngine/series.js';
import { eraseFromDeadLetters } from '../deadLetters/erase.js';
import type { DeadLetterSource } from '../deadLetters/replay.js';
import { anonymousProfileId, identityKey } from '../identity/identities.js';
import { deviceActivityKey } from '../store/deviceActivity.js';
import { writeAudit } from '../store/audit.js';
import { deleteItems, deletePartition, scanKeys } from '../store/partitions.js';
import { membershipKey } from '../store/memberships.js';
import { externalTagsOf, getProfiles } from '../store/profiles.js';
import { getErasureJob, indexErasure, queueErasure, queuedErasures, saveErasureJob, type ErasureJob, type ErasureStoreState } from './store/erasureJobs.js';

/*
 * Erasure of one person across every store that holds them (docs/architecture.md, "Erasure"). A job is planned
 * first (what the profile says to delete: identity links, memberships, merged profiles), then runs store by store;
 * each store's deletes are idempotent and its state is saved when it is done, so a crashed or failed run resumes
 * where it stopped. The audit keeps the fact of the erasure (`erasure#<job>`), not the person's entries.
 */

/** Where an erasure deletes: the tables, the dead letters and the event archive (the stage's buckets, or local folders). */
export interface ErasureStores {
  tables: ErasureTables;
  deadLetters: DeadLetterSource;
  archive: ArchiveFiles;
}

export interface ErasureTables {
  profiles: string;
  identities: string;
  memberships: string;
  enrollments: string;
  outbox: string;
  experiments: string;
  experimentUnits: string;
  aggregates: string;
  audit: string;
  jobs: string;
  consent: string;
  /** Kept email and phone addresses (core/store/contacts.ts), by the same keys as the identities. */
  contacts: string;
}

/** The stores in the order they are erased: the profile last, as long as it is what locates the rest. */
export const ERASURE_STORES = [
  'identities',
  'contacts',
  'memberships',
  'enrollments',
  'outbox',
  'experimentUnits',
  'analytics',
  'archive',
  'deadLetters',
  'audit',
  'profiles',
] as const;
type Store = (typeof ERASURE_STORES)[number];

/** Runs of a failing store before the job is FAILED (it stays listed, and a new request starts again). */
const MAX_ATTEMPTS = 5;

/**
 * Opens an erasure job (PENDING) and queues it for the `privacy` function. A user with a job still open gets
 * that job back, so asking twice erases once.
 *
 * @example
 * const job = await requestErasure(tables, 'u1', 'dpo', new Date());
 */
export async function requestErasure(tables: ErasureTables, userId: string, by: string, now: Date): Promise<ErasureJob> {
  for (const id of await queuedErasures(tables.jobs)) {
    const open = await getErasureJob(tables.jobs, id);
    if (open && open.userId === userId && (open.status === 'PENDING' || open.status === 'RUNNING')) return open;
  }
  const job: ErasureJob = {
    id: `er_${randomUUID()}`,
    userId,
    status: 'PENDING',
    requestedAt: now.toISOString(),
    requestedBy: by,
    stores: ERASURE_STORES.map((store) => ({ store, status: 'PENDING', deleted: 0, attempts: 0 })),
  };
  await saveErasureJob(tables.jobs, job);
  await Promise.all([queueErasure(tables.jobs, job.id, true), indexErasure(tables.jobs, job)]);
  return job;
}

/** What the profile says to delete, read before anything is. */
async function plan(tables: ErasureTables, userId: string): Promise<NonNullable<ErasureJob['plan']>> {
  const stored = (await getProfiles(tables.profiles, [userId])).get(userId);
  const identities = new Set([identityKey({ kind: 'USER_ID', value: userId })]);
  const memberships = new Set<string>();
  const profiles = new Set([userId]);
  if (stored) {
    for (const i of stored.profile.identities) {
      identities.add(identityKey(i));
      // A visitor profile merged in is gone already; one left behind by a failed merge is erased too.
      if (i.kind === 'ANONYMOUS_ID') profiles.add(anonymousProfileId(i.value));
      // The events counted on the person's devices (core/store/deviceActivity.ts) go with the device ids.
      if (i.kind === 'DEVICE_ID') identities.add(deviceActivityKey(i.value));
    }
    for (const tag of [...Object.keys(stored.profile.tags), ...externalTagsOf(stored)]) memberships.add(membershipKey.tag(tag));
    for (const segment of Object.keys(stored.profile.segments)) memberships.add(membershipKey.segment(segment));
    if (stored.churn?.band) memberships.add(membershipKey.churn(stored.churn.band));
  }
  return { identities: [...identities], memberships: [...memberships], profiles: [...profiles] };
}

/** Erases one store; returns the items deleted. */
async function eraseStore({ tables, deadLetters, archive }: ErasureStores, store: Store, job: ErasureJob): Promise<number> {
  const { userId } = job;
  const p = job.plan!;
  switch (store) {
    case 'identities':
      return deleteItems(tables.identities, p.identities.map((id) => ({ id })));
    case 'contacts':
      // Kept under the identity keys of the person's emails and phones (the other kinds have none).
      return deleteItems(tables.contacts, p.identities.filter((id) => /^(EMAIL|PHONE)#/.test(id)).map((id) => ({ id })));
    case 'memberships':
      return deleteItems(tables.memberships, p.memberships.map((key) => ({ key, userId })));
    case 'enrollments':
      return deletePartition(tables.enrollments, { name: 'userId', value: userId }, 'enrollmentId');
    case 'outbox':
      return deletePartition(tables.outbox, { name: 'userId', value: userId }, 'id');
    case 'experimentUnits': {
      const experiments = await scanKeys(tables.experiments, 'id');
      return deleteItems(tables.experimentUnits, experiments.map((experimentId) => ({ experimentId, userId })));
    }
    case 'analytics':
      // User-level analytics state: the first-seen items (counters and sketches hold no user id).
      return deleteItems(tables.aggregates, p.profiles.map(firstSeenKey));
    case 'archive':
      // Every archived event of the person, by user id, profile id or anonymous id (core/analytics/archive/files.ts).
      return eraseFromArchive(archive, p.profiles);
    case 'deadLetters':
      // Failed batches keep whole records; the person's go, the others' stay for replay.
      return eraseFromDeadLetters(deadLetters, p.profiles);
    case 'audit': {
      let n = 0;
      for (const subject of [`profile#${userId}`, `pii#${userId}`]) n += await deletePartition(tables.audit, { name: 'subject', value: subject }, 'at');
      return n;
    }
    case 'profiles': {
      // The consent record beside the profile goes with it.
      const keys = p.profiles.map((id) => ({ userId: id }));
      return (await deleteItems(tables.profiles, keys)) + (await deleteItems(tables.consent, keys));
    }
  }
}

/**
 * Runs (or resumes) one job to its end: every store not done yet, in order, saving each. Returns the job after.
 *
 * @example
 * await runErasure(tables, 'er_…', new Date());
 */
export async function runErasure(stores: ErasureStores, id: string, now: Date): Promise<ErasureJob | null> {
  const { tables } = stores;
  const job = await getErasureJob(tables.jobs, id);
  if (!job) return null;
  if (job.status === 'COMPLETED' || job.status === 'FAILED') {
    await queueErasure(tables.jobs, id, false);
    return job;
  }
  job.status = 'RUNNING';
  job.plan ??= await plan(tables, job.userId);
  await saveErasureJob(tables.jobs, job);
  for (const state of job.stores as ErasureStoreState[]) {
    if (state.status === 'COMPLETED') continue;
    try {
      state.deleted += await eraseStore(stores, state.store as Store, job);
      state.status = 'COMPLETED';
    } catch {
      state.attempts++;
      state.status = state.attempts >= MAX_ATTEMPTS ? 'FAILED' : 'PENDING';
      if (state.status === 'FAILED') job.status = 'FAILED';
      await saveErasureJob(tables.jobs, job);
      if (job.status === 'FAILED') await queueErasure(tables.jobs, id, false);
      return job;
    }
    await saveErasureJob(tables.jobs, job);
  }
  job.status = 'COMPLETED';
  job.completedAt = now.toISOString();
  delete job.plan;
  await writeAudit(tables.audit, {
    subject: `erasure#${job.id}`,
    at: `${job.completedAt}#erasure_completed`,
    action: 'erasure_completed',
    detail: { by: job.requestedBy, requestedAt: job.requestedAt, stores: job.stores.map(({ store, deleted }) => ({ store, deleted })) },
  });
  await saveErasureJob(tables.jobs, job);
  await queueErasure(tables.jobs, id, false);
  return job;
}

/** Runs every queued job (the `privacy` function's tick). Returns how many finished. */
export async function runQueuedErasures(stores: ErasureStores, now: Date): Promise<number> {
  let finished = 0;
  for (const id of await queuedErasures(stores.tables.jobs)) {
    const job = await runErasure(stores, id, now);
    if (job?.status === 'COMPLETED') finished++;
  }
  return finished;
}
