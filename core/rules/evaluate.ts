import type { BinaryOp, Expr } from './ast.js';
import { validate, type RuleOptions } from './check.js';
import { parse } from './parser.js';

/** Evaluation context: root variable name → value (`{ stats, traits, tags, event }`). */
export type RuleContext = Readonly<Record<string, unknown>>;

type Eval = (ctx: RuleContext) => unknown;

/** A parsed, checked rule compiled to a tree of closures. Immutable and safe to cache and share. */
export interface CompiledRule {
  readonly source: string;
  readonly ast: Expr;
  /** Evaluate against `ctx`. Never throws on any data; throws TypeError only if `ctx` is not an object. */
  evaluate(ctx: RuleContext): unknown;
}

const MAX_EQUALS_DEPTH = 32;
/** Cap on object/array pairs visited by one structural comparison (guards against cyclic/DAG-shaped data). */
const MAX_EQUALS_WORK = 10_000;
let equalsWork = 0;

/**
 * Rule truthiness: `null`, `undefined`, `false`, `0`, `NaN`, `""` and `[]` are false; everything else is true.
 *
 * @example
 * ```ts
 * truthy([]); // false
 * truthy({}); // true
 * ```
 */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (typeof v === 'number') return v === v; // NaN is falsy
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** Own, non-inherited property read; anything missing or odd yields null. */
function readOwn(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object') return null;
  try {
    if (!Object.hasOwn(obj, key)) return null;
    const v = (obj as Record<string, unknown>)[key];
    return v === undefined ? null : v;
  } catch {
    return null; // throwing getter or proxy trap in the data
  }
}

/** Value equality: primitives by `===` (undefined ≡ null), arrays and plain objects structurally. */
function valueEquals(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (a === undefined) return b === null;
  if (b === undefined) return a === null;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (depth >= MAX_EQUALS_DEPTH || ++equalsWork > MAX_EQUALS_WORK) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEquals(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!valueEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

/** valueEquals that treats exotic data (throwing proxies/getters) as unequal. */
function safeEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return valueEquals(a, b);
  equalsWork = 0;
  try {
    return valueEquals(a, b);
  } catch {
    return false;
  }
}

function arrayIncludes(arr: readonly unknown[], x: unknown): boolean {
  if (x === null || x === undefined) {
    for (const v of arr) if (v === null || v === undefined) return true;
    return false;
  }
  if (typeof x !== 'object') return arr.includes(x);
  for (const v of arr) if (safeEquals(v, x)) return true;
  return false;
}

function isOrdered(a: unknown, b: unknown): boolean {
  const t = typeof a;
  return (t === 'number' || t === 'string') && typeof b === t;
}

function arith(r: number): number | null {
  return Number.isFinite(r) ? r : null;
}

function compileBinary(op: BinaryOp, l: Eval, r: Eval, right: Expr): Eval {
  switch (op) {
    case '==':
      return (c) => safeEquals(l(c), r(c));
    case '!=':
      return (c) => !safeEquals(l(c), r(c));
    case '<':
      return (c) => {
        const a = l(c), b = r(c);
        return isOrdered(a, b) && (a as number) < (b as number);
      };
    case '<=':
      return (c) => {
        const a = l(c), b = r(c);
        return isOrdered(a, b) && (a as number) <= (b as number);
      };
    case '>':
      return (c) => {
        const a = l(c), b = r(c);
        return isOrdered(a, b) && (a as number) > (b as number);
      };
    case '>=':
      return (c) => {
        const a = l(c), b = r(c);
        return isOrdered(a, b) && (a as number) >= (b as number);
      };
    case 'in':
      return (c) => {
        const x = l(c), coll = r(c);
        if (Array.isArray(coll)) return arrayIncludes(coll, x);
        return typeof x === 'string' && readOwn(coll, x) !== null;
      };
    case 'contains': {
      // Substring search is case-insensitive; pre-lower a literal needle once.
      const needle = right.kind === 'literal' && typeof right.value === 'string' ? right.value.toLowerCase() : undefined;
      return (c) => {
        const coll = l(c), x = r(c);
        if (Array.isArray(coll)) return arrayIncludes(coll, x);
        if (typeof coll === 'string' && typeof x === 'string') {
          return coll.toLowerCase().includes(needle ?? x.toLowerCase());
        }
        return false;
      };
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%': {
      const f = ARITH[op];
      return (c) => {
        const a = l(c), b = r(c);
        return typeof a === 'number' && typeof b === 'number' ? arith(f(a, b)) : null;
      };
    }
  }
}

const ARITH: Record<'+' | '-' | '*' | '/' | '%', (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
};

function compileExpr(e: Expr, fns: RuleOptions['functions']): Eval {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'array': {
      if (e.items.every((i) => i.kind === 'literal')) {
        const constant = Object.freeze(e.items.map((i) => (i.kind === 'literal' ? i.value : null)));
        return () => constant;
      }
      const items = e.items.map((i) => compileExpr(i, fns));
      return (c) => items.map((f) => f(c));
    }
    case 'variable': {
      const name = e.name;
      return (c) => readOwn(c, name);
    }
    case 'member': {
      const obj = compileExpr(e.object, fns);
      const key = e.property;
      return (c) => readOwn(obj(c), key);
    }
    case 'call': {
      const fn = fns[e.callee];
      if (typeof fn !== 'function') throw new TypeError(`function '${e.callee}' is not whitelisted`); // validate() ran first
      const args = e.args.map((a) => compileExpr(a, fns));
      const call = (values: unknown[]) => {
        try {
          const r = fn(...values);
          return r === undefined ? null : r;
        } catch {
          return null;
        }
      };
      // The common arities skip the per-call array map (rules call count/last/days_since on every evaluation).
      if (args.length === 1) {
        const [a] = args as [Eval];
        return (c) => call([a(c)]);
      }
      if (args.length === 2) {
        const [a, b] = args as [Eval, Eval];
        return (c) => call([a(c), b(c)]);
      }
      return (c) => call(args.map((a) => a(c)));
    }
    case 'unary': {
      const operand = compileExpr(e.operand, fns);
      if (e.op === 'not') return (c) => !truthy(operand(c));
      return (c) => {
        const v = operand(c);
        return typeof v === 'number' ? -v : null;
      };
    }
    case 'binary':
      return compileBinary(e.op, compileExpr(e.left, fns), compileExpr(e.right, fns), e.right);
    case 'logical': {
      const ops = e.operands.map((o) => compileExpr(o, fns));
      if (ops.length === 2) {
        const [a, b] = ops;
        return e.op === 'and' ? (c) => truthy(a(c)) && truthy(b(c)) : (c) => truthy(a(c)) || truthy(b(c));
      }
      if (e.op === 'and') {
        return (c) => {
          for (const f of ops) if (!truthy(f(c))) return false;
          return true;
        };
      }
      return (c) => {
        for (const f of ops) if (truthy(f(c))) return true;
        return false;
      };
    }
  }
}

/**
 * Parse, check and compile a rule. Throws {@link RuleSyntaxError} for bad source, unknown functions or unknown
 * root variables. The result holds the whitelisted functions as they were at compile time.
 *
 * @example
 * ```ts
 * const rule = compile('stats.orders >= 3 and lower(traits.plan) == "pro"', {
 *   functions: { lower: (s) => (typeof s === 'string' ? s.toLowerCase() : null) },
 *   variables: ['stats', 'traits'],
 * });
 * rule.evaluate({ stats: { orders: 5 }, traits: { plan: 'PRO' } }); // true
 * ```
 */
export function compile(source: string, options: RuleOptions): CompiledRule {
  const ast = parse(source);
  validate(ast, options);
  const root = compileExpr(ast, options.functions);
  return Object.freeze({
    source,
    ast,
    evaluate(ctx: RuleContext): unknown {
      if (ctx === null || typeof ctx !== 'object') throw new TypeError('rule context must be an object');
      try {
        return root(ctx);
      } catch {
        return null; // safety net for exotic data (throwing proxies/getters during equality)
      }
    },
  });
}

/**
 * Evaluate a compiled rule and coerce the result to a boolean with rule truthiness.
 *
 * @example
 * ```ts
 * const rule = compile('tags contains "vip"', { functions: {}, variables: ['tags'] });
 * matches(rule, { tags: ['vip', 'beta'] }); // true
 * matches(rule, {}); // false (missing → null)
 * ```
 */
export function matches(rule: CompiledRule, ctx: RuleContext): boolean {
  return truthy(rule.evaluate(ctx));
}
