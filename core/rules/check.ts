import { childrenOf, type Expr } from './ast.js';
import { RuleSyntaxError } from './errors.js';
import { parse } from './parser.js';

/** A whitelisted function callable from rules. */
export type RuleFunction = (...args: unknown[]) => unknown;

export interface RuleOptions {
  /** Functions rules may call, by name. Only own properties count. */
  readonly functions: Readonly<Record<string, RuleFunction>>;
  /** Root variables rules may reference (`stats`, `traits`, ...). */
  readonly variables: readonly string[];
}

export type CheckResult = { ok: true } | { ok: false; error: RuleSyntaxError };

/**
 * Check that every function call and root variable in `ast` is allowed by `options`; throws the first
 * {@link RuleSyntaxError} in source order.
 *
 * @example
 * ```ts
 * validate(parse('len(tags) > 2'), { functions: { len }, variables: ['tags'] }); // ok, no throw
 * ```
 */
export function validate(ast: Expr, options: RuleOptions): void {
  const variables = new Set(options.variables);
  const problems: RuleSyntaxError[] = [];
  const visit = (e: Expr): void => {
    if (e.kind === 'variable' && !variables.has(e.name)) {
      problems.push(new RuleSyntaxError(`Unknown variable '${e.name}'`, e.pos, 'RULE_UNKNOWN_VARIABLE'));
    }
    if (e.kind === 'call' && (!Object.hasOwn(options.functions, e.callee) || typeof options.functions[e.callee] !== 'function')) {
      problems.push(new RuleSyntaxError(`Unknown function '${e.callee}'`, e.pos, 'RULE_UNKNOWN_FUNCTION'));
    }
    childrenOf(e).forEach(visit);
  };
  visit(ast);
  if (problems.length > 0) throw problems.reduce((a, b) => (b.position < a.position ? b : a));
}

/**
 * Validate user-supplied rule source without throwing — for input validation at the GraphQL boundary.
 * Non-rule errors (e.g. bad `options`) still throw.
 *
 * @example
 * ```ts
 * const r = check('stats.orders >= 3 and nope(1)', { functions: {}, variables: ['stats'] });
 * if (!r.ok) console.log(r.error.code, r.error.position); // RULE_UNKNOWN_FUNCTION 22
 * ```
 */
export function check(source: string, options: RuleOptions): CheckResult {
  try {
    validate(parse(source), options);
    return { ok: true };
  } catch (error) {
    if (error instanceof RuleSyntaxError) return { ok: false, error };
    throw error;
  }
}
