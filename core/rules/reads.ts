import { childrenOf, type CallExpr, type Expr } from './ast.js';

/** What expressions read of each root variable: its first-level properties, or `'whole'` when they use it itself. */
export type VariableReads = Map<string, Set<string> | 'whole'>;

/**
 * Adds what `ast` reads to `into`. Handlers use it to build only the parts of a context that some rule reads
 * (`stats.revenue` needs no 365-day window scan).
 *
 * @example
 * variablesRead(parse('stats.orders > 2 and tags.vip')) // Map { 'stats' => Set {'orders'}, 'tags' => Set {'vip'} }
 */
export function variablesRead(ast: Expr, into: VariableReads = new Map()): VariableReads {
  const visit = (e: Expr): void => {
    if (e.kind === 'variable') {
      into.set(e.name, 'whole');
    } else if (e.kind === 'member' && e.object.kind === 'variable') {
      const current = into.get(e.object.name);
      if (current === 'whole') return;
      if (current) current.add(e.property);
      else into.set(e.object.name, new Set([e.property]));
    } else {
      childrenOf(e).forEach(visit);
    }
  };
  visit(ast);
  return into;
}

/**
 * The calls of `callee` in `ast`, in source order: what a handler must prepare for a function (the events a
 * device count names).
 *
 * @example
 * callsOf(parse('count("a") > 1 and count("b") > 2'), 'count').map((c) => c.args[0]) // the literals "a" and "b"
 */
export function callsOf(ast: Expr, callee: string): CallExpr[] {
  const calls: CallExpr[] = [];
  const visit = (e: Expr): void => {
    if (e.kind === 'call' && e.callee === callee) calls.push(e);
    childrenOf(e).forEach(visit);
  };
  visit(ast);
  return calls;
}
