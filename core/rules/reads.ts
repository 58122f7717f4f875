import type { Expr } from './ast.js';

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
    switch (e.kind) {
      case 'variable':
        into.set(e.name, 'whole');
        return;
      case 'member':
        if (e.object.kind === 'variable') {
          const current = into.get(e.object.name);
          if (current === 'whole') return;
          if (current) current.add(e.property);
          else into.set(e.object.name, new Set([e.property]));
        } else {
          visit(e.object);
        }
        return;
      case 'literal':
        return;
      case 'array':
        e.items.forEach(visit);
        return;
      case 'call':
        e.args.forEach(visit);
        return;
      case 'unary':
        visit(e.operand);
        return;
      case 'binary':
        visit(e.left);
        visit(e.right);
        return;
      case 'logical':
        e.operands.forEach(visit);
        return;
    }
  };
  visit(ast);
  return into;
}
