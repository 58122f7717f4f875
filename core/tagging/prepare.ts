import type { ProfileChange } from '../changes/types.js';
import type { StoredEvent } from '../events/schema.js';
import { attachIdentities } from '../identity/attach.js';
import { deviceIdsOf, foldDeviceEvents, type DeviceActivity } from '../identity/deviceActivity.js';
import { identityKey } from '../identity/identities.js';
import { hasRoomFor } from '../identity/limits.js';
import type { IdentityRef } from '../identity/types.js';
import { CAMPAIGN_SOURCE, foldEvent } from '../profile/fold.js';
import { reviveProfile } from '../profile/revive.js';
import { anyKeptOut, noneKeptOut, type KeptOut } from '../profile/limits.js';
import { mergeProfiles } from '../profile/merge.js';
import { emptyProfile, type Profile } from '../profile/types.js';
import type { AuditEntry } from '../store/audit.js';
import { externalTagsOf, type StoredProfile } from '../store/profiles.js';
import { evaluateProfile, type CompiledRuleSet } from './evaluateProfile.js';
import { appendProfileAudit } from './profileAudit.js';
import type { Group } from './route.js';

/**
 * What folding one group produced, before anything is written: the profile to save (at `expectedVersion`), the
 * profiles merged into it (to delete), its changes and audit entries, and the group, whose `links` are the
 * identity links to write.
 */
export interface PreparedGroup {
  group: Group;
  profile: Profile;
  expectedVersion: number;
  merged: StoredProfile[];
  changes: ProfileChange[];
  audits: AuditEntry[];
  /** What the profile caps kept out of this group's events and merges (also audited as `limit_reached`). */
  keptOut: KeptOut | null;
  /** Whether consent changed (an event or a merge): the consent table gets the profile's new answers. */
  consentChanged: boolean;
}

/**
 * Folds one group's events (and merges) into its profile and evaluates tag rules and segments. Pure: no I/O and no
 * clock, only the loaded profiles and rules; it updates the loaded profile and the group's links in place (a hot
 * path: no copies). `devices` holds the batch's device activity, already folded (rules counting per device see
 * the devices of this group's events). Null when nothing applied: every record was a redelivery and there was
 * nothing to merge.
 *
 * @example
 * const prepared = prepareGroup(group, await getProfiles(table, profileIdsOf([group])), rules);
 */
export function prepareGroup(
  group: Group,
  stored: ReadonlyMap<string, StoredProfile>,
  rules: CompiledRuleSet,
  devices: ReadonlyMap<string, DeviceActivity> = new Map(),
): PreparedGroup | null {
  const existing = stored.get(group.userId);
  // Null-prototype client-keyed maps (a no-op when the store already revived them).
  const profile = existing ? reviveProfile(existing.profile) : emptyProfile(group.userId);
  // Before merges too: campaign tags a merged profile brings are new to this one.
  const campaignTagsBefore = campaignTags(profile);
  const merged: StoredProfile[] = [];
  const audits: AuditEntry[] = [];
  const refused = new Set<string>();
  const kept = noneKeptOut();
  const refuse = (ref: IdentityRef, at: string) => {
    if (refused.has(identityKey(ref))) return;
    refused.add(identityKey(ref));
    // A refused identity is not linked either, so later events carrying it do not reach this profile.
    group.links = group.links.filter((l) => l.ref.kind !== ref.kind || l.ref.value !== ref.value);
    appendProfileAudit(audits, profile.userId, 'identity_refused', at, { kind: ref.kind, reason: 'limit per identity kind reached' });
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
    mergeProfiles(profile, source.profile, kept);
    merged.push(source);
    appendProfileAudit(audits, profile.userId, 'merge', m.event.timestamp, { from: m.from, eventId: m.event.eventId, type: m.event.type });
  }
  let applied = 0;
  let latest: StoredEvent | null = null;
  for (const item of group.items) {
    for (const ref of attachIdentities(profile, item.event, group.links)) refuse(ref, item.event.timestamp);
    const consentBefore = item.event.traits?.consent !== undefined ? { ...profile.consent } : null;
    if (foldEvent(profile, item.event, item.position, kept)) {
      applied++;
      if (!latest || item.event.timestamp >= latest.timestamp) latest = item.event;
      if (consentBefore) auditConsent(audits, profile, consentBefore, item.event);
    }
  }
  if (applied === 0 && merged.length === 0) return null;

  const asOf = profile.lastSeenAt ?? latest?.timestamp ?? new Date(0).toISOString();
  // Never an error: what passed a cap is left out, and said so once per profile and batch.
  const keptOut = anyKeptOut(kept) ? kept : null;
  if (keptOut) appendProfileAudit(audits, profile.userId, 'limit_reached', latest?.timestamp ?? asOf, { ...keptOut });
  const onDevices = devices.size ? deviceIdsOf(group.items).map((id) => devices.get(id)!) : [];
  const changes = evaluateProfile(profile, rules, asOf, latest, externalTagsOf(existing), onDevices);
  changes.push(...campaignTagChanges(campaignTagsBefore, profile, asOf));
  // Downstream consumers (the churn scorer) rescore on any profile change, not only on tag changes.
  changes.push({ kind: 'profile_updated', userId: profile.userId, subject: profile.userId, at: asOf });
  for (const source of merged) {
    changes.push({ kind: 'profile_merged', userId: profile.userId, subject: source.profile.userId, at: asOf });
    // The merged profile's memberships move to the surviving profile (re-added above by evaluation).
    for (const t of Object.keys(source.profile.tags)) changes.push({ kind: 'tag_removed', userId: source.profile.userId, subject: t, at: asOf });
    for (const s of Object.keys(source.profile.segments)) changes.push({ kind: 'segment_exited', userId: source.profile.userId, subject: s, at: asOf });
  }
  const consentChanged = merged.length > 0 || audits.some((a) => a.action === 'consent_changed');
  return { group, profile, expectedVersion: existing?.version ?? 0, merged, changes, audits, keptOut, consentChanged };
}

/** The tags journeys set (`SET_TAG`, folded from `campaign_tag_changed`), which no rule re-evaluation reports. */
function campaignTags(profile: Profile): Set<string> {
  const names = new Set<string>();
  for (const name in profile.tags) if (profile.tags[name]!.source.startsWith(CAMPAIGN_SOURCE)) names.add(name);
  return names;
}

/** The campaign tags this batch's merges and fold added or removed, as changes: memberships and TAG_ADDED triggers follow. */
function campaignTagChanges(before: ReadonlySet<string>, profile: Profile, asOf: string): ProfileChange[] {
  const after = campaignTags(profile);
  const changes: ProfileChange[] = [];
  for (const t of after) if (!before.has(t)) changes.push({ kind: 'tag_added', userId: profile.userId, subject: t, at: asOf });
  for (const t of before) if (!after.has(t)) changes.push({ kind: 'tag_removed', userId: profile.userId, subject: t, at: asOf });
  return changes;
}

/**
 * Prepares every group of a batch ({@link prepareGroup}), leaving out those with nothing to write. The batch's
 * counted events go into `devices` first, so every account on a device sees the whole batch's count. Pure.
 *
 * @example
 * const prepared = prepare(groups, await getProfiles(tables.profiles, profileIdsOf(groups)), rules);
 */
export function prepare(
  groups: readonly Group[],
  stored: ReadonlyMap<string, StoredProfile>,
  rules: CompiledRuleSet,
  devices: ReadonlyMap<string, DeviceActivity> = new Map(),
): PreparedGroup[] {
  if (devices.size) for (const g of groups) foldDeviceEvents(devices, g.items, rules.deviceEvents);
  const prepared: PreparedGroup[] = [];
  for (const g of groups) {
    const p = prepareGroup(g, stored, rules, devices);
    if (p) prepared.push(p);
  }
  return prepared;
}

/**
 * Leaves a `consent_changed` audit entry per purpose an event changed: when (event time), what, from what, and where
 * it came from (the event id and channel). A redelivered event folds nothing, so it audits nothing twice.
 */
function auditConsent(audits: AuditEntry[], profile: Profile, before: Record<string, boolean>, event: StoredEvent): void {
  for (const [purpose, granted] of Object.entries(profile.consent)) {
    if (before[purpose] === granted) continue;
    appendProfileAudit(audits, profile.userId, 'consent_changed', event.timestamp, {
      purpose,
      granted,
      previous: Object.hasOwn(before, purpose) ? before[purpose] : null,
      eventId: event.eventId,
      channel: event.context?.channel ?? null,
    });
  }
}
