import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { RequestContext } from '../subgraphs/context.js';

/** Deepest selection nesting a query may have. */
export const MAX_DEPTH = 10;
/** Most fields a query may select, counting list fields by their `first` argument. */
export const MAX_COST = 5_000;

/** Depth and cost of the operations in a document (fragments expanded, cycles skipped). */
export function measureQuery(document: DocumentNode): { depth: number; cost: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const measure = (set: SelectionSetNode, depth: number, seen: Set<string>): { depth: number; cost: number } => {
    let maxDepth = depth;
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const firstArg = sel.arguments?.find((a) => a.name.value === 'first');
        const multiplier = firstArg?.value.kind === Kind.INT ? Math.max(1, Number(firstArg.value.value)) : 1;
        if (sel.selectionSet) {
          const inner = measure(sel.selectionSet, depth + 1, seen);
          maxDepth = Math.max(maxDepth, inner.depth);
          cost += 1 + multiplier * inner.cost;
        } else cost += 1;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const inner = measure(sel.selectionSet, depth, seen);
        maxDepth = Math.max(maxDepth, inner.depth);
        cost += inner.cost;
      } else {
        const frag = fragments.get(sel.name.value);
        if (!frag || seen.has(frag.name.value)) continue; // unknown or cyclic fragments are reported by graphql-js
        const inner = measure(frag.selectionSet, depth, new Set([...seen, frag.name.value]));
        maxDepth = Math.max(maxDepth, inner.depth);
        cost += inner.cost;
      }
    }
    return { depth: maxDepth, cost };
  };

  let depth = 0;
  let cost = 0;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const m = measure(def.selectionSet, 1, new Set());
    depth = Math.max(depth, m.depth);
    cost += m.cost;
  }
  return { depth, cost };
}

/**
 * Rejects queries nested deeper than {@link MAX_DEPTH} or costing more than {@link MAX_COST} before anything
 * executes. Cost counts each selected field once, multiplied along paths by the `first` of paged fields, so
 * `users(first: 100) { events(first: 100) { … } }` is priced as the ten thousand rows it asks for.
 * A plugin rather than a validation rule, because Apollo rewrites validation error codes to
 * GRAPHQL_VALIDATION_FAILED and clients should be able to tell these limits apart.
 */
export const queryLimitsPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document }) {
        const { depth, cost } = measureQuery(document);
        if (depth > MAX_DEPTH) {
          throw new GraphQLError(`query depth ${depth} exceeds the limit of ${MAX_DEPTH}`, {
            extensions: { code: 'QUERY_TOO_DEEP', http: { status: 400 } },
          });
        }
        if (cost > MAX_COST) {
          throw new GraphQLError(`query cost ${cost} exceeds the limit of ${MAX_COST}`, {
            extensions: { code: 'QUERY_TOO_COSTLY', http: { status: 400 } },
          });
        }
      },
    };
  },
};
