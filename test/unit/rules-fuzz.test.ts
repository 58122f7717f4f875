import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../core/experiments/random.js';
import { check, compile, matches, parse, RuleSyntaxError, type RuleOptions } from '../../core/rules/index.js';

/** Small deterministic PRNG so failures reproduce. */
const rng = mulberry32;

const SOUP = [
  'stats', 'traits', 'tags', 'event', 'item', 'unknown', 'len', 'boom', 'f', '.', '.', 'revenue', 'plan', '[', ']', '(', ')',
  ',', '"a"', "'b\\n'", '"__proto__"', '__proto__', 'constructor', '0', '1', '3.5', '-', '+', '*', '/', '%', '==', '!=', '<',
  '<=', '>', '>=', 'and', 'or', 'not', '&&', '||', '!', 'in', 'contains', 'true', 'false', 'null', '=', '&', '"', '\\', '#',
  '中', '1e5', '..', ' ',
];

const options: RuleOptions = {
  functions: {
    len: (v) => (Array.isArray(v) ? v.length : null),
    boom: () => {
      throw new Error('boom');
    },
    f: (...args) => args,
  },
  variables: ['stats', 'traits', 'tags', 'event', 'item'],
};

const DATA = [
  {},
  { stats: { revenue: 10 }, traits: { plan: 'pro' }, tags: ['a', 'b'], event: { revenue: -1, a: [1, { b: null }] } },
  { stats: null, traits: 'str', tags: 0, event: [[]], item: Number.NaN },
  { stats: Object.create(null), traits: { plan: { plan: { plan: 1 } } }, tags: [null, undefined], item: () => 1 },
];

describe('rules fuzz', () => {
  it('random token soup only ever fails with RuleSyntaxError, and compiled rules never throw', () => {
    const rand = rng(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    let compiled = 0;
    for (let n = 0; n < 20_000; n++) {
      const len = 1 + Math.floor(rand() * 14);
      const parts: string[] = [];
      for (let i = 0; i < len; i++) parts.push(pick(SOUP));
      const src = parts.join(rand() < 0.5 ? ' ' : '');
      let rule;
      try {
        rule = compile(src, options);
      } catch (e) {
        assert.ok(e instanceof RuleSyntaxError, `${JSON.stringify(src)} threw ${String(e)}`);
        assert.ok(e.position >= 0 && e.position <= src.length, `${JSON.stringify(src)} position ${e.position}`);
        assert.deepEqual(check(src, options), { ok: false, error: e });
        continue;
      }
      compiled++;
      for (const data of DATA) {
        assert.doesNotThrow(() => matches(rule, data), src);
      }
    }
    assert.ok(compiled > 200, `only ${compiled} random rules compiled; soup too noisy`);
  });

  it('random well-formed rules compile and never throw on odd data', () => {
    const rand = rng(1234);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
    const gen = (depth: number): string => {
      if (depth <= 0 || rand() < 0.25) {
        return pick(['1', '0', '-2.5', '"a"', "'PRO'", 'true', 'false', 'null', '[]', '[1, "a"]', 'stats.revenue', 'traits.plan', 'traits["plan"]', 'tags', 'event.a[1].b', 'item']);
      }
      switch (Math.floor(rand() * 5)) {
        case 0:
          return `(${gen(depth - 1)} ${pick(['==', '!=', '<', '<=', '>', '>=', 'in', 'contains', '+', '-', '*', '/', '%', 'and', 'or', '&&', '||'])} ${gen(depth - 1)})`;
        case 1:
          return `(${pick(['not ', '!', '-'])}(${gen(depth - 1)}))`;
        case 2:
          return `${pick(['len', 'boom', 'f'])}(${gen(depth - 1)}, ${gen(depth - 1)})`;
        case 3:
          return `[${gen(depth - 1)}, ${gen(depth - 1)}]`;
        default:
          return `(${gen(depth - 1)}).plan`;
      }
    };
    for (let n = 0; n < 5_000; n++) {
      const src = gen(5);
      const rule = compile(src, options);
      for (const data of DATA) assert.doesNotThrow(() => rule.evaluate(data), src);
    }
  });

  it('random characters only ever fail with RuleSyntaxError', () => {
    const rand = rng(7);
    const chars = '()[]{}.,"\'\\ab1_-+*/%<>=!&|\n\t中 ';
    for (let n = 0; n < 20_000; n++) {
      let src = '';
      const len = Math.floor(rand() * 20);
      for (let i = 0; i < len; i++) src += chars[Math.floor(rand() * chars.length)];
      try {
        parse(src);
      } catch (e) {
        assert.ok(e instanceof RuleSyntaxError, `${JSON.stringify(src)} threw ${String(e)}`);
      }
    }
  });
});
