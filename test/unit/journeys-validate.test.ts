import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseJourney, PROBLEM_CODES, validateJourney, type JourneyProblemCode } from '../../core/journeys/index.js';

/** A small valid journey; tests break one thing at a time. */
const base = () => ({
  trigger: { kind: 'EVENT', event: 'payment_failed', condition: 'event.properties.amount >= 100' },
  audience: 'tags.high_value',
  reentry: { mode: 'AFTER_EXIT', minIntervalHours: 24 },
  start: 'wait',
  nodes: {
    wait: { type: 'WAIT', duration: 'PT1H', next: 'check' },
    check: { type: 'CONDITION', condition: 'count("login", 30) >= 3', yes: 'ab', no: 'multi' },
    multi: { type: 'MULTI', branches: [{ condition: 'stats.orders > 2', next: 'hold' }], else: 'end' },
    ab: { type: 'RANDOM', branches: [{ percent: 50, next: 'a' }, { percent: 50, next: 'hold' }] },
    hold: { type: 'HOLDOUT', percent: 10, next: 'a' },
    a: {
      type: 'SEND',
      channel: 'outbox',
      purpose: 'marketing',
      message: { subject: 'Hi', body: 'Hi {{traits.name}} …' },
      next: 'await',
    },
    await: { type: 'WAIT_FOR_EVENT', event: 'order_completed', condition: 'event.properties.revenue > 0', timeout: 'P3D', onEvent: 'end', onTimeout: 'coupon' },
    coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: 20 }, next: 'end' },
    end: { type: 'EXIT' },
  },
  exitOn: ['order_refunded'],
  goal: { event: 'order_completed', withinDays: 7 },
  limits: { perUserPerDay: 1, quietHours: { start: '21:00', end: '08:00' } },
});

/** The document as tests mutate it: loosely typed, since they break it on purpose. */
type Loose = Record<string, any> & { nodes: Record<string, Record<string, any>> };
const withDoc = (edit: (d: Loose) => void) => {
  const d = structuredClone(base()) as Loose;
  edit(d);
  return validateJourney(d);
};
const codes = (problems: { code: string }[]) => problems.map((p) => p.code);
const only = (problems: { code: string; path: string }[], code: JourneyProblemCode, path: string) => {
  assert.deepEqual(
    problems.map((p) => [p.code, p.path]),
    [[code, path]],
    JSON.stringify(problems, null, 1),
  );
};

describe('validateJourney', () => {
  it('accepts the contract-shaped journey', () => {
    assert.deepEqual(validateJourney(base()), []);
    const parsed = parseJourney(base());
    assert.ok(parsed.ok && parsed.journey.nodes.wait!.type === 'WAIT');
  });

  it('SCHEMA: unknown fields are problems, at their own path', () => {
    only(withDoc((d) => (d.nodes.wait!.nxet = 'check')), 'SCHEMA', 'nodes.wait.nxet');
    only(withDoc((d) => (d.extra = 1)), 'SCHEMA', 'extra');
    only(withDoc((d) => ((d.nodes.coupon!.params as Record<string, unknown>).amount = 5)), 'SCHEMA', 'nodes.coupon.params.amount');
  });

  it('SCHEMA: wrong types, unknown node types, bad node ids, a WAIT with both duration and until', () => {
    only(withDoc((d) => (d.nodes.hold!.percent = 'ten')), 'SCHEMA', 'nodes.hold.percent');
    only(withDoc((d) => (d.reentry = { mode: 'SOMETIMES' } as never)), 'SCHEMA', 'reentry.mode');
    const unknownType = withDoc((d) => (d.nodes.end = { type: 'TELEPORT' }));
    assert.deepEqual(codes(unknownType), ['SCHEMA']);
    assert.equal(unknownType[0]!.path, 'nodes.end.type');
    const badId = withDoc((d) => {
      d.nodes['x:y'] = { type: 'EXIT' };
      d.nodes.multi!.else = 'x:y';
    });
    assert.ok(badId.some((p) => p.code === 'SCHEMA' && p.path === 'nodes.x:y'), JSON.stringify(badId));
    only(withDoc((d) => (d.nodes.wait!.until = '2030-01-01T00:00:00Z')), 'SCHEMA', 'nodes.wait');
    assert.deepEqual(validateJourney('nope'), [{ path: '', code: 'SCHEMA', message: 'A journey is a JSON object' }]);
  });

  it('DANGLING_NEXT: every kind of target, and start', () => {
    // A dangling edge also cuts off what lay behind it.
    const cut = withDoc((d) => (d.nodes.wait!.next = 'nowhere'));
    assert.deepEqual(cut[0], { path: 'nodes.wait.next', code: 'DANGLING_NEXT', message: "'nowhere' is not a node of this journey" });
    assert.deepEqual(new Set(codes(cut.slice(1))), new Set(['UNREACHABLE_NODE']));
    only(withDoc((d) => (d.nodes.multi!.else = 'nowhere')), 'DANGLING_NEXT', 'nodes.multi.else');
    only(withDoc((d) => (d.nodes.await!.onEvent = 'nowhere')), 'DANGLING_NEXT', 'nodes.await.onEvent');
    only(withDoc((d) => ((d.nodes.ab!.branches as { next: string }[])[1]!.next = 'nowhere')), 'DANGLING_NEXT', 'nodes.ab.branches.1.next');
    only(withDoc((d) => (d.nodes.hold!.next = 'nowhere')), 'DANGLING_NEXT', 'nodes.hold.next');
    const start = withDoc((d) => (d.start = 'nowhere'));
    assert.ok(start.some((p) => p.code === 'DANGLING_NEXT' && p.path === 'start'));
  });

  it('UNREACHABLE_NODE', () => {
    only(withDoc((d) => (d.nodes.orphan = { type: 'EXIT' })), 'UNREACHABLE_NODE', 'nodes.orphan');
  });

  it('CYCLE_WITHOUT_WAIT, while a cycle through a wait is fine', () => {
    // coupon → check → ab → a → await → coupon passes through the WAIT_FOR_EVENT.
    assert.deepEqual(withDoc((d) => (d.nodes.coupon!.next = 'check')), []);
    only(
      withDoc((d) => {
        d.nodes.multi!.else = 'check';
      }),
      'CYCLE_WITHOUT_WAIT',
      'nodes.check',
    );
    only(withDoc((d) => (d.nodes.coupon!.next = 'coupon')), 'CYCLE_WITHOUT_WAIT', 'nodes.coupon');
  });

  it('MISSING_ELSE', () => {
    only(withDoc((d) => delete d.nodes.multi!.else), 'MISSING_ELSE', 'nodes.multi.else');
  });

  it('PERCENT_SUM', () => {
    const p = withDoc((d) => ((d.nodes.ab!.branches as { percent: number }[])[0]!.percent = 40));
    only(p, 'PERCENT_SUM', 'nodes.ab.branches');
    assert.match(p[0]!.message, /90/);
  });

  it('TOO_MANY_BRANCHES for MULTI (besides else) and RANDOM', () => {
    const six = Array.from({ length: 6 }, () => ({ condition: 'stats.orders > 2', next: 'hold' }));
    only(withDoc((d) => (d.nodes.multi!.branches = six)), 'TOO_MANY_BRANCHES', 'nodes.multi.branches');
    const five = six.slice(1);
    assert.deepEqual(withDoc((d) => (d.nodes.multi!.branches = five)), []);
    const arms = Array.from({ length: 6 }, (_, i) => ({ percent: i < 4 ? 20 : 10, next: 'a' }));
    only(withDoc((d) => (d.nodes.ab!.branches = arms)), 'TOO_MANY_BRANCHES', 'nodes.ab.branches');
  });

  it('UNKNOWN_CHANNEL', () => {
    only(withDoc((d) => (d.nodes.a!.channel = 'fax')), 'UNKNOWN_CHANNEL', 'nodes.a.channel');
  });

  it('BAD_DURATION in waits, timeouts and schedules', () => {
    only(withDoc((d) => (d.nodes.wait!.duration = '1 hour')), 'BAD_DURATION', 'nodes.wait.duration');
    only(withDoc((d) => (d.nodes.await!.timeout = 'PT0S')), 'BAD_DURATION', 'nodes.await.timeout');
    only(withDoc((d) => (d.nodes.await!.timeout = 'P2Y')), 'BAD_DURATION', 'nodes.await.timeout');
    only(withDoc((d) => (d.trigger = { kind: 'SCHEDULE', every: 'daily', segment: 'vip' } as never)), 'BAD_DURATION', 'trigger.every');
  });

  it('BAD_TIME for a WAIT until that is not an ISO time', () => {
    only(
      withDoc((d) => {
        delete d.nodes.wait!.duration;
        d.nodes.wait!.until = 'next tuesday';
      }),
      'BAD_TIME',
      'nodes.wait.until',
    );
  });

  it('BAD_CONDITION: syntax, unknown functions, and event outside triggers and WAIT_FOR_EVENT', () => {
    only(withDoc((d) => (d.nodes.check!.condition = 'count("login", 30) >=')), 'BAD_CONDITION', 'nodes.check.condition');
    only(withDoc((d) => (d.audience = 'nope(1)')), 'BAD_CONDITION', 'audience');
    const ev = withDoc((d) => ((d.nodes.multi!.branches as { condition: string }[])[0]!.condition = 'event.properties.x > 1'));
    only(ev, 'BAD_CONDITION', 'nodes.multi.branches.0.condition');
    assert.match(ev[0]!.message, /RULE_UNKNOWN_VARIABLE/);
    only(withDoc((d) => (d.trigger.condition = 'event.properties.amount >>= 1')), 'BAD_CONDITION', 'trigger.condition');
    only(withDoc((d) => (d.nodes.await!.condition = 'item > 1')), 'BAD_CONDITION', 'nodes.await.condition');
  });

  it('UNKNOWN_PLACEHOLDER and BAD_TEMPLATE in subject and body', () => {
    only(withDoc((d) => ((d.nodes.a!.message as { body: string }).body = 'Hi {{traits.name}} {{profile.secret}}')), 'UNKNOWN_PLACEHOLDER', 'nodes.a.message.body');
    only(withDoc((d) => ((d.nodes.a!.message as { subject: string }).subject = 'You have {{stats.nope}}')), 'UNKNOWN_PLACEHOLDER', 'nodes.a.message.subject');
    only(withDoc((d) => ((d.nodes.a!.message as { body: string }).body = 'Hi {{traits.name')), 'BAD_TEMPLATE', 'nodes.a.message.body');
    assert.deepEqual(withDoc((d) => ((d.nodes.a!.message as { body: string }).body = '{{stats.orders}} {{user.id}} {{coupon.code|none}} {{ traits.city | there }}')), []);
  });

  it('EVENT_SHADOWED when exitOn names the awaited event', () => {
    only(withDoc((d) => (d.exitOn = ['order_completed'])), 'EVENT_SHADOWED', 'nodes.await.event');
  });

  it('reports every problem of a broken document, not just the first', () => {
    const p = validateJourney({
      trigger: { kind: 'EVENT', event: 'payment_failed' },
      start: 'wait',
      typo: true,
      nodes: {
        wait: { type: 'WAIT', duration: 'P1X', next: 'check' },
        check: { type: 'CONDITION', condition: 'count("login", 30) >= 3 and event.x', yes: 'ab', no: 'multi' },
        multi: { type: 'MULTI', branches: [{ condition: 'tags.a', next: 'multi2' }] },
        multi2: { type: 'MULTI', branches: [{ condition: 'tags.a', next: 'check' }], else: 'gone' },
        ab: { type: 'RANDOM', branches: [{ percent: 50, next: 'a' }, { percent: 40, next: 'a' }] },
        a: { type: 'SEND', channel: 'fax', purpose: 'marketing', message: { body: 'Hi {{foo}}' }, next: 'end' },
        orphan: { type: 'EXIT' },
        end: { type: 'EXIT' },
      },
    });
    assert.deepEqual(
      new Set(codes(p)),
      new Set([
        'SCHEMA',
        'BAD_DURATION',
        'MISSING_ELSE',
        'UNKNOWN_CHANNEL',
        'DANGLING_NEXT',
        'UNREACHABLE_NODE',
        'CYCLE_WITHOUT_WAIT',
        'BAD_CONDITION',
        'PERCENT_SUM',
        'UNKNOWN_PLACEHOLDER',
      ]),
    );
    for (const problem of p) assert.ok(problem.message.length > 0 && typeof problem.path === 'string');
  });

  it('has a test above for every problem code', () => {
    // Keeps this file honest when a code is added.
    const tested: JourneyProblemCode[] = [
      'SCHEMA', 'DANGLING_NEXT', 'UNREACHABLE_NODE', 'CYCLE_WITHOUT_WAIT', 'MISSING_ELSE', 'PERCENT_SUM', 'TOO_MANY_BRANCHES',
      'UNKNOWN_CHANNEL', 'BAD_DURATION', 'BAD_TIME', 'BAD_CONDITION', 'UNKNOWN_PLACEHOLDER', 'BAD_TEMPLATE', 'EVENT_SHADOWED',
    ];
    assert.deepEqual([...tested].sort(), [...PROBLEM_CODES].sort());
  });
});
