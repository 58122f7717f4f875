import { parse, RuleSyntaxError, type Expr } from '../../rules/index.js';
import { AnalyticsInputError } from '../errors.js';

/** Most property tests in one step's condition. */
const MAX_TESTS = 10;

function bad(message: string): AnalyticsInputError {
  return new AnalyticsInputError('BAD_CONDITION', message);
}

/** `properties.key` / `properties["key"]`: the key; anything else: null. */
function propertyKey(e: Expr): string | null {
  return e.kind === 'member' && e.object.kind === 'variable' && e.object.name === 'properties' ? e.property : null;
}

/**
 * A funnel step's condition, written in the rule language, as the property equalities the archive SQL filters on
 * (`EventMatcher.properties`). Why a subset: the archive is scanned by SQL, and equality on a property is what
 * portable SQL can test on both engines without a per-engine translation of every operator.
 *
 * @example
 * propertyEqualities('properties.category == "shoes" and properties.size == 42') // { category: 'shoes', size: 42 }
 * propertyEqualities('stats.orders > 1') // throws AnalyticsInputError (BAD_CONDITION)
 */
export function propertyEqualities(condition: string): Record<string, string | number | boolean> {
  let expr: Expr;
  try {
    expr = parse(condition);
  } catch (e) {
    if (e instanceof RuleSyntaxError) throw bad(`condition does not parse: ${e.message}`);
    throw e;
  }
  const tests = expr.kind === 'logical' && expr.op === 'and' ? expr.operands : [expr];
  if (tests.length > MAX_TESTS) throw bad(`a condition tests at most ${MAX_TESTS} properties`);
  const out: Record<string, string | number | boolean> = Object.create(null);
  for (const t of tests) {
    if (t.kind !== 'binary' || t.op !== '==') throw bad('funnel conditions are properties.<key> == <value> tests joined by and');
    const [key, value] = propertyKey(t.left) !== null ? [propertyKey(t.left), t.right] : [propertyKey(t.right), t.left];
    if (key === null || value.kind !== 'literal' || value.value === null) throw bad('each test compares properties.<key> with a string, number or boolean');
    if (Object.hasOwn(out, key) && out[key] !== value.value) throw bad(`properties.${key} cannot equal two values`);
    out[key] = value.value;
  }
  return { ...out };
}
