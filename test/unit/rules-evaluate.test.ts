import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { check, compile, matches, truthy, RuleSyntaxError, type RuleOptions } from '../../core/rules/index.js';

const functions: RuleOptions['functions'] = {
  lower: (s) => (typeof s === 'string' ? s.toLowerCase() : null),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : null),
  boom: () => {
    throw new Error('boom');
  },
  nothing: () => undefined,
};
const options: RuleOptions = { functions, variables: ['stats', 'traits', 'tags', 'event', 'segments', 'item'] };

const ctx = {
  stats: { revenue: 150, orders: 3, zero: 0, lastSeenAt: '2024-05-01T10:00:00.000Z' },
  traits: { plan: 'Pro', 'first name': 'Li', vip: true, nothing: null },
  tags: ['vip', 'beta'],
  event: { name: 'order_completed', properties: { revenue: 25.5, items: [{ sku: 'a1' }] } },
  segments: {},
};

const run = (src: string, c: Record<string, unknown> = ctx): unknown => compile(src, options).evaluate(c);

describe('rules evaluation', () => {
  const table: [string, unknown][] = [
    // literals and arithmetic
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['7 % 4', 3],
    ['-stats.orders', -3],
    ['10 / 4', 2.5],
    ['1 / 0', null],
    ['1 % 0', null],
    ['"a" + "b"', null],
    ['stats.missing + 1', null],
    ['-"x"', null],
    ['[1, "a", null]', [1, 'a', null]],
    ['[stats.orders, 1 + 1]', [3, 2]],
    // paths
    ['stats.revenue', 150],
    ['traits["first name"]', 'Li'],
    ['event.properties.revenue', 25.5],
    ['event.properties.items[0].sku', 'a1'],
    ['event.properties.items.length', 1],
    ['stats.missing.deeper.still', null],
    ['segments.anything', null],
    ['item', null],
    ['item.x', null],
    ['traits.plan.length', null], // primitives have no readable properties
    ['traits.toString', null], // inherited, not own
    ['traits.hasOwnProperty', null],
    ['tags.map', null],
    // comparisons
    ['stats.revenue > 100', true],
    ['stats.revenue >= 150', true],
    ['stats.revenue < 150', false],
    ['stats.revenue <= 150.0', true],
    ['stats.missing > 0', false],
    ['stats.missing < 0', false],
    ['stats.missing >= null', false],
    ['traits.plan > 1', false],
    ['"10" > 9', false],
    ['"b" > "a"', true],
    ['stats.lastSeenAt > "2024-04-30T23:59:59.999Z"', true],
    ['stats.lastSeenAt < "2024-05-01T10:00:00.001Z"', true],
    ['true > false', false],
    // equality by value
    ['traits.plan == "Pro"', true],
    ['traits.plan == "pro"', false],
    ['traits.plan != "pro"', true],
    ['null == null', true],
    ['stats.missing == null', true],
    ['traits.nothing == null', true],
    ['stats.zero == null', false],
    ['stats.zero == false', false],
    ['"1" == 1', false],
    ['[1, [2, "x"]] == [1, [2, "x"]]', true],
    ['[1, 2] == [2, 1]', false],
    ['event.properties.items[0] == event.properties.items[0]', true],
    ['tags == ["vip", "beta"]', true],
    // in / contains
    ['"vip" in tags', true],
    ['"gold" in tags', false],
    ['"plan" in traits', true],
    ['"toString" in traits', false],
    ['"nothing" in traits', false],
    ['2 in [1, 2, 3]', true],
    ['null in [1, null]', true],
    ['[1] in [[1], [2]]', true],
    ['"a" in "abc"', false],
    ['"a" in stats.missing', false],
    ['tags contains "vip"', true],
    ['tags contains "VIP"', false],
    ['traits.plan contains "ro"', true],
    ['traits.plan contains "PR"', true],
    ['event.name contains lower("ORDER")', true],
    ['stats.missing contains "x"', false],
    ['stats.revenue contains 1', false],
    // logic, truthiness
    ['stats.revenue > 100 and traits.plan == "Pro"', true],
    ['stats.revenue > 100 && traits.plan == "x"', false],
    ['stats.missing or traits.vip', true],
    ['stats.missing || 0 || "" || []', false],
    ['stats.orders and "x"', true],
    ['not stats.missing', true],
    ['!tags', false],
    ['not []', true],
    ['not segments', false], // empty object is truthy
    // functions
    ['len(tags) == 2', true],
    ['lower(traits.plan) == "pro"', true],
    ['lower(stats.revenue)', null],
    ['boom()', null],
    ['boom() == null', true],
    ['nothing()', null],
  ];
  for (const [src, expected] of table) {
    it(`${src} → ${JSON.stringify(expected)}`, () => assert.deepEqual(run(src), expected));
  }

  it('short-circuits and/or (right side not evaluated)', () => {
    let calls = 0;
    const spy: RuleOptions = { functions: { spy: () => ++calls }, variables: ['x'] };
    compile('false and spy()', spy).evaluate({});
    compile('true or spy()', spy).evaluate({});
    compile('x.a or x.b or spy()', spy).evaluate({ x: { b: 1 } });
    assert.equal(calls, 0);
    assert.equal(compile('true and spy()', spy).evaluate({}), true);
    assert.equal(calls, 1);
  });

  it('reads only own properties of the context and data', () => {
    const proto = { secret: 1 };
    const data = Object.create(proto) as Record<string, unknown>;
    data.own = 2;
    const rule = compile('item.secret == null and item.own == 2', options);
    assert.equal(rule.evaluate({ item: data }), true);
    const inherited = Object.create({ stats: { revenue: 1 } }) as Record<string, unknown>;
    assert.equal(compile('stats.revenue', options).evaluate(inherited), null);
    assert.equal(compile('stats.revenue', options).evaluate(Object.assign(Object.create(null), { stats: { revenue: 4 } })), 4);
  });

  it('never throws on hostile data', () => {
    const hostile = {
      get bad(): unknown {
        throw new Error('getter');
      },
    };
    const proxy = new Proxy(
      {},
      {
        has: () => {
          throw new Error('trap');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('trap');
        },
        ownKeys: () => {
          throw new Error('trap');
        },
      },
    );
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const other: Record<string, unknown> = { a: 1 };
    other.self = other;
    // DAG-shaped data: naive structural equality would take 2^32 steps
    const dagA: Record<string, unknown> = {};
    const dagB: Record<string, unknown> = {};
    dagA.l = dagA.r = dagA;
    dagB.l = dagB.r = dagB;
    const c = { item: hostile, event: proxy, stats: cyclic, traits: other, tags: dagA, segments: dagB };
    assert.equal(run('tags == segments', c), false);
    assert.equal(run('item.bad', c), null);
    assert.equal(run('event.x or item.bad == null', c), true);
    assert.equal(run('stats == traits', c), false); // depth-capped, no stack overflow
    assert.equal(run('event == stats', c), false);
    assert.equal(run('"x" in event', c), false);
  });

  it('treats a non-object context as a programmer error', () => {
    const rule = compile('1', options);
    assert.throws(() => rule.evaluate(null as never), TypeError);
  });

  it('matches() coerces the result to a boolean', () => {
    assert.equal(matches(compile('stats.orders', options), ctx), true);
    assert.equal(matches(compile('stats.zero', options), ctx), false);
    assert.equal(matches(compile('tags contains "vip"', options), {}), false);
    assert.equal(truthy(Number.NaN), false);
  });

  it('exposes source and ast, and snapshots functions at compile time', () => {
    const fns: Record<string, (...a: unknown[]) => unknown> = { f: () => 1 };
    const rule = compile('f()', { functions: fns, variables: [] });
    fns.f = () => 2;
    assert.equal(rule.evaluate({}), 1);
    assert.equal(rule.source, 'f()');
    assert.equal(rule.ast.kind, 'call');
  });
});

describe('rules compile/check errors', () => {
  it('rejects unknown functions with their position', () => {
    const r = check('stats.orders >= 3 and nope(1)', options);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(r.error instanceof RuleSyntaxError);
    assert.equal(r.error.code, 'RULE_UNKNOWN_FUNCTION');
    assert.equal(r.error.position, 22);
    assert.equal(r.error.message, "Unknown function 'nope' at 22");
    assert.throws(() => compile('toString()', options), { code: 'RULE_UNKNOWN_FUNCTION', position: 0 });
    assert.throws(() => compile('len(hasOwnProperty(1))', options), { code: 'RULE_UNKNOWN_FUNCTION', position: 4 });
  });

  it('rejects unknown root variables; reports the first problem in source order', () => {
    assert.throws(() => compile('stats.x == 1 or profile.y', options), { code: 'RULE_UNKNOWN_VARIABLE', position: 16 });
    assert.throws(() => compile('foo(profile)', options), { code: 'RULE_UNKNOWN_FUNCTION', position: 0 });
    assert.throws(() => compile('profile == foo()', options), { code: 'RULE_UNKNOWN_VARIABLE', position: 0 });
  });

  it('check() returns ok for valid rules and errors for syntax problems', () => {
    assert.deepEqual(check('len(tags) > 1', options), { ok: true });
    const bad = check('stats.x ==', options);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.code, 'RULE_SYNTAX');
    const long = check('1'.repeat(2001), options);
    assert.equal(!long.ok && long.error.code, 'RULE_TOO_LONG');
    const forbidden = check('traits.constructor', options);
    assert.equal(!forbidden.ok && forbidden.error.code, 'RULE_FORBIDDEN_PROPERTY');
  });
});
