import type { KinesisStreamRecord } from 'aws-lambda';
import type { StoredEvent } from '../events/schema.js';
import { readStreamRecord } from '../events/streamRecord.js';
import { anonymousProfileId, IDENTITY_LIMITS, identitiesOf, identityKey, type IdentityRef } from '../identity/identities.js';
import { putRecordsWithRetry } from '../ingest/putRecords.js';
import { log } from '../platform/logger.js';
import { foldEvent, type RecordPosition } from '../profile/fold.js';
import { mergeProfiles } from '../profile/merge.js';
import { emptyProfile, type Profile } from '../profile/types.js';
import { writeAudit, type AuditEntry } from '../store/audit.js';
import { getIdentityLinks, putIdentityLink, type IdentityLink } from '../store/identities.js';
import { applyMemberships, membershipKey, type MembershipDelta } from '../store/memberships.js';
import { deleteProfile, externalTagsOf, getProfiles, saveProfile, type StoredProfile } from '../store/profiles.js';
import { evaluateProfile, type CompiledRuleSet } from './evaluateProfile.js';
import type { ProfileChange } from './types.js';

/** Where the batch processor reads and writes. */
export interface ProfileEngineTables {
  profiles: string;
  identities: string;
  memberships: string;
  audit: string;
  changesStream: string;
}

export interface Decoded {
  record: KinesisStreamRecord;
  event: StoredEvent;
  position: RecordPosition;
}

export interface Group {
  userId: string;
  items: Decoded[];
  /** Profile ids to merge into this one, with the identity and the event that linked them. */
  merges: Array<{ from: string; ref: IdentityRef; event: StoredEvent }>;
  /** Identity links to write (new or re-pointed by a merge). */
  links: Array<{ ref: IdentityRef; previousUserId?: string; at: string }>;
}

export interface BatchResult {
  /** Sequence numbers of records that failed; Lambda retries from the earliest. */
  failed: string[];
  /** Profiles written in this batch (one write each at most). */
  profilesWritten: number;
  changes: ProfileChange[];
}

/** The shard of a record, from its `eventID` (`shardId-000000000000:4959…`). */
const shardOf = (eventId: string) => {
  const colon = eventId.indexOf(':');
  return colon < 0 ? eventId : eventId.slice(0, colon);
};

/** Decodes and checks one Kinesis record; null for a record that is not a valid stream record (poison). */
export function decode(record: KinesisStreamRecord): Decoded | null {
  const event = readStreamRecord(record.kinesis.data);
  if (!event) return null;
  return { record, event, position: { shardId: shardOf(record.eventID), sequenceNumber: record.kinesis.sequenceNumber } };
}

/**
 * Routes each event to its canonical profile, following identity links already stored and those the batch
 * itself creates (identify links an anonymous visitor to a user; alias links a previous id).
 */
async function route(decoded: Decoded[], identitiesTable: string): Promise<Map<string, Group>> {
  const lookups: string[] = [];
  for (const { event } of decoded) {
    if (event.userId) lookups.push(identityKey({ kind: 'USER_ID', value: event.userId }));
    if (event.anonymousId) lookups.push(identityKey({ kind: 'ANONYMOUS_ID', value: event.anonymousId }));
    if (event.previousId) {
      lookups.push(identityKey({ kind: 'USER_ID', value: event.previousId }));
      lookups.push(identityKey({ kind: 'ANONYMOUS_ID', value: event.previousId }));
    }
  }
  const stored = await getIdentityLinks(identitiesTable, lookups);
  const links = new Map<string, string>();
  for (const [id, link] of stored) links.set(id, link.userId);

  const groups = new Map<string, Group>();
  const groupOf = (userId: string) => {
    let g = groups.get(userId);
    if (!g) groups.set(userId, (g = { userId, items: [], merges: [], links: [] }));
    return g;
  };
  const anonKey = (a: string) => identityKey({ kind: 'ANONYMOUS_ID', value: a });
  const resolveUser = (userId: string) => links.get(identityKey({ kind: 'USER_ID', value: userId })) ?? userId;
  // An anonymous id this batch links to a user for the first time: its events earlier in the batch belong to that
  // user too. Its anonymous profile may not be stored yet, so a merge could not move them.
  const linkedInBatch = new Map<string, string>();
  for (const { event: e } of decoded) {
    if (e.userId && e.anonymousId && !links.has(anonKey(e.anonymousId)) && !linkedInBatch.has(e.anonymousId)) {
      linkedInBatch.set(e.anonymousId, resolveUser(e.userId));
    }
  }
  const resolveAnon = (a: string) => links.get(anonKey(a)) ?? linkedInBatch.get(a) ?? anonymousProfileId(a);

  for (const item of decoded) {
    const e = item.event;
    const target = e.userId ? resolveUser(e.userId) : resolveAnon(e.anonymousId!);
    const group = groupOf(target);
    group.items.push(item);
    if (e.userId && e.anonymousId) {
      const ref: IdentityRef = { kind: 'ANONYMOUS_ID', value: e.anonymousId };
      const anonymous = anonymousProfileId(e.anonymousId);
      const current = links.get(anonKey(e.anonymousId)) ?? anonymous;
      if (current !== target) {
        // Merging two known users because they shared a browser would be wrong: only anonymous profiles fold in.
        if (current === anonymous) group.merges.push({ from: current, ref, event: e });
        group.links.push({ ref, previousUserId: current, at: e.timestamp });
        links.set(anonKey(e.anonymousId), target);
      } else if (stored.get(anonKey(e.anonymousId))?.linkedAt === e.timestamp && !group.merges.some((m) => m.from === anonymous)) {
        // Linked by this very event, so this is a retry of the attempt that linked it: if the anonymous profile is
        // still stored, that attempt failed before deleting it, and the merge finishes now (prepareGroup skips it
        // if absent). Only then: looking it up for every event of a linked visitor would double the reads.
        group.merges.push({ from: anonymous, ref, event: e });
      }
    }
    if (e.type === 'alias' && e.previousId) {
      const previous = links.get(identityKey({ kind: 'USER_ID', value: e.previousId })) ??
        links.get(anonKey(e.previousId)) ?? e.previousId;
      if (previous !== target) {
        const ref: IdentityRef = { kind: 'USER_ID', value: e.previousId };
        group.merges.push({ from: previous, ref, event: e });
        group.links.push({ ref, previousUserId: previous, at: e.timestamp });
        links.set(identityKey(ref), target);
      }
    }
  }
  return groups;
}

/** Whether the profile holds the identity already or has room for one more of its kind. */
function hasRoomFor(profile: Profile, ref: IdentityRef): boolean {
  let ofKind = 0;
  for (const i of profile.identities) {
    if (i.kind !== ref.kind) continue;
    if (i.value === ref.value) return true;
    ofKind++;
  }
  return ofKind < IDENTITY_LIMITS[ref.kind];
}

/** Adds an event's identities to the profile within the per-kind limits; returns the ones refused. */
function attachIdentities(profile: Profile, event: StoredEvent, group: Group): IdentityRef[] {
  const refused: IdentityRef[] = [];
  for (const ref of identitiesOf(event)) {
    if (profile.identities.some((i) => i.kind === ref.kind && i.value === ref.value)) continue;
    if (!hasRoomFor(profile, ref)) {
      refused.push(ref);
      continue;
    }
    profile.identities.push({ ...ref, firstSeenAt: event.timestamp });
    // A user id is its own profile id until an alias moves it; that needs no identity row.
    if (ref.kind === 'USER_ID' && ref.value === profile.userId) continue;
    if (!group.links.some((l) => l.ref.kind === ref.kind && l.ref.value === ref.value)) {
      group.links.push({ ref, at: event.timestamp });
    }
  }
  return refused;
}

export function membershipDeltasOf(changes: ProfileChange[]): MembershipDelta[] {
  return changes.flatMap((c): MembershipDelta[] => {
    switch (c.kind) {
      case 'tag_added':
        return [{ key: membershipKey.tag(c.subject), userId: c.userId, member: true, since: c.at }];
      case 'tag_removed':
        return [{ key: membershipKey.tag(c.subject), userId: c.userId, member: false }];
      case 'segment_entered':
        return [{ key: membershipKey.segment(c.subject), userId: c.userId, member: true, since: c.at }];
      case 'segment_exited':
        return [{ key: membershipKey.segment(c.subject), userId: c.userId, member: false }];
      default:
        return [];
    }
  });
}

/** Publishes profile changes to the `changes` stream; throws if any record could not be stored. */
export async function publishChanges(stream: string, changes: ProfileChange[]): Promise<void> {
  if (changes.length === 0) return;
  const { failed } = await putRecordsWithRetry(
    stream,
    changes.map((c) => ({ PartitionKey: c.userId, Data: Buffer.from(JSON.stringify(c)) })),
  );
  if (failed.length) throw new Error(`changes stream refused ${failed.length} records (${failed[0]!.code})`);
}

/** What folding one group produced, before anything is written. */
export interface PreparedGroup {
  group: Group;
  profile: Profile;
  expectedVersion: number;
  merged: StoredProfile[];
  changes: ProfileChange[];
  audits: AuditEntry[];
}

/** Folds one user's events (and merges) into its profile and evaluates rules; pure apart from the clock-free inputs. */
export function prepareGroup(group: Group, stored: Map<string, StoredProfile>, rules: CompiledRuleSet): PreparedGroup | null {
  const existing = stored.get(group.userId);
  const profile = existing?.profile ?? emptyProfile(group.userId);
  const merged: StoredProfile[] = [];
  const audits: AuditEntry[] = [];
  const audit = (action: string, at: string, detail: Record<string, unknown>) =>
    audits.push({ subject: `profile#${profile.userId}`, at: `${at}#${action}#${audits.length}`, action, detail });
  const refused = new Set<string>();
  const refuse = (ref: IdentityRef, at: string) => {
    if (refused.has(identityKey(ref))) return;
    refused.add(identityKey(ref));
    // A refused identity is not linked either, so later events carrying it do not reach this profile.
    group.links = group.links.filter((l) => l.ref.kind !== ref.kind || l.ref.value !== ref.value);
    audit('identity_refused', at, { kind: ref.kind, reason: 'limit per identity kind reached' });
  };
  for (const m of group.merges) {
    const source = stored.get(m.from);
    if (!source || m.from === group.userId || merged.includes(source)) continue;
    if (profile.mergedFrom.includes(m.from)) {
      // Merged by an earlier attempt whose delete of the source failed: delete it now, without adding it twice.
      merged.push(source);
      continue;
    }
    if (!hasRoomFor(profile, m.ref)) {
      refuse(m.ref, m.event.timestamp);
      continue;
    }
    mergeProfiles(profile, source.profile);
    merged.push(source);
    audit('merge', m.event.timestamp, { from: m.from, eventId: m.event.eventId, type: m.event.type });
  }
  let applied = 0;
  let latest: StoredEvent | null = null;
  for (const item of group.items) {
    for (const ref of attachIdentities(profile, item.event, group)) refuse(ref, item.event.timestamp);
    if (foldEvent(profile, item.event, item.position)) {
      applied++;
      if (!latest || item.event.timestamp >= latest.timestamp) latest = item.event;
    }
  }
  if (applied === 0 && merged.length === 0) return null;

  const asOf = profile.lastSeenAt ?? latest?.timestamp ?? new Date(0).toISOString();
  const changes = evaluateProfile(profile, rules, asOf, latest, externalTagsOf(existing));
  // Downstream consumers (the churn scorer) rescore on any profile change, not only on tag changes.
  changes.push({ kind: 'profile_updated', userId: profile.userId, subject: profile.userId, at: asOf });
  for (const source of merged) {
    changes.push({ kind: 'profile_merged', userId: profile.userId, subject: source.profile.userId, at: asOf });
    // The merged profile's memberships move to the surviving profile (re-added above by evaluation).
    for (const t of Object.keys(source.profile.tags)) changes.push({ kind: 'tag_removed', userId: source.profile.userId, subject: t, at: asOf });
    for (const s of Object.keys(source.profile.segments)) changes.push({ kind: 'segment_exited', userId: source.profile.userId, subject: s, at: asOf });
  }
  return { group, profile, expectedVersion: existing?.version ?? 0, merged, changes, audits };
}

/**
 * Writes what the batch prepared. Side effects (identity links, membership rows, the changes stream, the audit
 * log) go first, batched across users; each profile is written last, once. If a profile write then fails, the
 * retry recomputes the same idempotent side effects; written after it, they would be lost on a failure in
 * between, because the retried records would be skipped as already applied.
 */
async function commit(tables: ProfileEngineTables, prepared: PreparedGroup[]): Promise<PromiseSettledResult<void>[]> {
  await Promise.all(
    prepared.flatMap((p) =>
      p.group.links.map(async (link) => {
        const ok = await putIdentityLink(
          tables.identities,
          { id: identityKey(link.ref), kind: link.ref.kind, userId: p.profile.userId, linkedAt: link.at } satisfies IdentityLink,
          link.previousUserId,
        );
        if (!ok) {
          p.audits.push({
            subject: `profile#${p.profile.userId}`,
            at: `${link.at}#identity_conflict#${p.audits.length}`,
            action: 'identity_conflict',
            detail: { kind: link.ref.kind, reason: 'identity belongs to another profile' },
          });
        }
      }),
    ),
  );
  const changes = prepared.flatMap((p) => p.changes);
  await applyMemberships(tables.memberships, membershipDeltasOf(changes));
  await publishChanges(tables.changesStream, changes);
  await Promise.all(prepared.flatMap((p) => p.audits.map((a) => writeAudit(tables.audit, a))));
  return Promise.allSettled(
    prepared.map(async (p) => {
      await saveProfile(tables.profiles, p.profile, p.expectedVersion);
      for (const source of p.merged) await deleteProfile(tables.profiles, source.profile.userId, source.version);
    }),
  );
}

/**
 * The tagger's work for one Kinesis batch: decode, resolve identities, fold each user's events, evaluate tag
 * rules and segments, and write each touched profile once. A record that cannot be decoded, or whose profile
 * failed to commit, is reported as failed; everything else is kept.
 *
 * @example
 * const { failed } = await processBatch(event.Records, tables, await ruleCache.get());
 */
export async function processBatch(
  records: KinesisStreamRecord[],
  tables: ProfileEngineTables,
  rules: CompiledRuleSet,
): Promise<BatchResult> {
  const failed: string[] = [];
  const decoded: Decoded[] = [];
  for (const record of records) {
    const d = decode(record);
    if (d) decoded.push(d);
    else failed.push(record.kinesis.sequenceNumber);
  }
  const result: BatchResult = { failed, profilesWritten: 0, changes: [] };
  if (decoded.length === 0) return result;

  const groups = [...(await route(decoded, tables.identities)).values()];
  const stored = await getProfiles(tables.profiles, groups.flatMap((g) => [g.userId, ...g.merges.map((m) => m.from)]));
  const prepared = groups.map((g) => prepareGroup(g, stored, rules)).filter((p): p is PreparedGroup => p !== null);
  const outcomes = await commit(tables, prepared);
  outcomes.forEach((outcome, i) => {
    const p = prepared[i]!;
    if (outcome.status === 'fulfilled') {
      result.profilesWritten++;
      result.changes.push(...p.changes);
    } else {
      log.error('profile commit failed', { userId: p.profile.userId, error: outcome.reason });
      failed.push(...p.group.items.map((it) => it.record.kinesis.sequenceNumber));
    }
  });
  return result;
}
