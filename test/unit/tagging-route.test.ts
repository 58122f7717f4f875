import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredEvent } from '../../core/events/schema.js';
import { groupByProfile, linkLookupKeys } from '../../core/identity/routing.js';
import type { KnownLink } from '../../core/identity/types.js';

const at = '2026-03-01T10:00:00.000Z';
const item = (e: Omit<StoredEvent, 'timestamp'> & { timestamp?: string }) => ({ event: { timestamp: at, ...e } as StoredEvent });

describe('identity routing (pure)', () => {
  it('looks up user, anonymous and both kinds of previous id', () => {
    assert.deepEqual(linkLookupKeys([item({ type: 'alias', eventId: 'e1', userId: 'u', previousId: 'p' }), item({ type: 'identify', eventId: 'e2', anonymousId: 'a' })]), [
      'USER_ID#u',
      'USER_ID#p',
      'ANONYMOUS_ID#p',
      'ANONYMOUS_ID#a',
    ]);
  });

  it('sends a linked visitor’s events to its user, earlier events of the batch included', () => {
    const events = [
      item({ type: 'track', event: 'product_viewed', eventId: 'e1', anonymousId: 'a1' }),
      item({ type: 'identify', eventId: 'e2', userId: 'u1', anonymousId: 'a1' }),
      item({ type: 'track', event: 'login', eventId: 'e3', anonymousId: 'a2' }),
    ];
    const stored = new Map<string, KnownLink>([['ANONYMOUS_ID#a2', { userId: 'u2', linkedAt: '2026-01-01T00:00:00.000Z' }]]);
    const groups = groupByProfile(events, stored);
    assert.deepEqual(groups.map((g) => [g.userId, g.items.map((i) => i.event.eventId)]), [['u1', ['e1', 'e2']], ['u2', ['e3']]]);
    assert.deepEqual(groups[0]!.merges.map((m) => m.from), ['anon:a1']);
    assert.deepEqual(groups[0]!.links, [{ ref: { kind: 'ANONYMOUS_ID', value: 'a1' }, previousUserId: 'anon:a1', at }]);
    assert.deepEqual(groups[1]!.merges, []);
  });

  it('retries a merge only for the event that made the link', () => {
    const stored = new Map<string, KnownLink>([['ANONYMOUS_ID#a3', { userId: 'u3', linkedAt: at }]]);
    const [retry] = groupByProfile([item({ type: 'identify', eventId: 'e1', userId: 'u3', anonymousId: 'a3' })], stored);
    assert.deepEqual(retry!.merges.map((m) => m.from), ['anon:a3']);
    assert.deepEqual(retry!.links, [], 'the link is already stored');
    const [later] = groupByProfile([item({ type: 'identify', eventId: 'e2', userId: 'u3', anonymousId: 'a3', timestamp: '2026-03-02T10:00:00.000Z' })], stored);
    assert.deepEqual(later!.merges, []);
  });

  it('never merges two known users who shared a browser; re-points the anonymous id only', () => {
    const stored = new Map<string, KnownLink>([['ANONYMOUS_ID#a4', { userId: 'u-old', linkedAt: '2026-01-01T00:00:00.000Z' }]]);
    const [g] = groupByProfile([item({ type: 'identify', eventId: 'e1', userId: 'u-new', anonymousId: 'a4' })], stored);
    assert.equal(g!.userId, 'u-new');
    assert.deepEqual(g!.merges, []);
    assert.deepEqual(g!.links, [{ ref: { kind: 'ANONYMOUS_ID', value: 'a4' }, previousUserId: 'u-old', at }]);
  });

  it('merges an aliased previous id into the user', () => {
    const [g] = groupByProfile([item({ type: 'alias', eventId: 'e1', userId: 'u5', previousId: 'old-5' })], new Map());
    // Unknown as either kind: the previous id's user profile and its visitor profile both fold in, if they exist.
    assert.deepEqual(g!.merges.map((m) => [m.from, m.ref.kind]), [['old-5', 'USER_ID'], ['anon:old-5', 'ANONYMOUS_ID']]);
    assert.deepEqual(g!.links, [{ ref: { kind: 'USER_ID', value: 'old-5' }, previousUserId: 'old-5', at }]);
  });

  it("routes a previous id's events earlier in the batch to the user that aliases it (its profile may not exist yet)", () => {
    const groups = groupByProfile(
      [
        item({ type: 'track', event: 'product_viewed', eventId: 'e1', userId: 'old-6' }),
        item({ type: 'alias', eventId: 'e2', userId: 'u6', previousId: 'old-6' }),
        item({ type: 'track', event: 'login', eventId: 'e3', userId: 'old-6' }),
      ],
      new Map(),
    );
    assert.deepEqual(groups.map((g) => [g.userId, g.items.map((i) => i.event.eventId)]), [['u6', ['e1', 'e2', 'e3']]]);
    // A previous id already linked elsewhere keeps its stored link until the alias moves it.
    const linked = groupByProfile(
      [item({ type: 'track', event: 'login', eventId: 'e4', userId: 'old-7' }), item({ type: 'alias', eventId: 'e5', userId: 'u7', previousId: 'old-7' })],
      new Map([['USER_ID#old-7', { userId: 'x7' } as KnownLink]]),
    );
    assert.deepEqual(linked.map((g) => [g.userId, g.items.map((i) => i.event.eventId)]), [['x7', ['e4']], ['u7', ['e5']]]);
    assert.deepEqual(linked[1]!.merges.map((m) => m.from), ['x7'], 'a known previous id merges only the profile it is linked to');
  });

  it("routes a never-identified visitor's events earlier in the batch to the user that aliases its anonymous id", () => {
    const groups = groupByProfile(
      [
        item({ type: 'track', event: 'product_viewed', eventId: 'v1', anonymousId: 'visitor-8' }),
        item({ type: 'alias', eventId: 'v2', userId: 'u8', previousId: 'visitor-8' }),
      ],
      new Map(),
    );
    assert.deepEqual(groups.map((g) => [g.userId, g.items.map((i) => i.event.eventId)]), [['u8', ['v1', 'v2']]]);
    assert.deepEqual(groups[0]!.merges.map((m) => m.from), ['visitor-8', 'anon:visitor-8']);
  });
});
