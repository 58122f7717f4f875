import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

/** Deepest selection nesting a query may have. */
export const MAX_DEPTH = 10;
/** Most fields a query may select, counting list fields by their `first` argument. */
export const MAX_COST = 5_000;

/**
 * A validation rule that rejects queries nested deeper than {@link MAX_DEPTH} or costing more than
 * {@link MAX_COST}. Cost counts each selected field once, multiplied along paths by the `first` of paged
 * fields, so `users(first: 100) { events(first: 100) { … } }` is priced as the ten thousand rows it asks for.
 */
export function queryLimits(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const measure = (set: SelectionSetNode, depth: number, seen: Set<string>): { depth: number; cost: number } => {
    let maxDepth = depth;
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const firstArg = sel.arguments?.find((a) => a.name.value === 'first');
        const multiplier = firstArg?.value.kind === Kind.INT ? Math.max(1, Number(firstArg.value.value)) : sel.selectionSet ? 1 : 0;
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

  return {
    OperationDefinition(node) {
      const { depth, cost } = measure(node.selectionSet, 1, new Set());
      if (depth > MAX_DEPTH) {
        context.reportError(
          new GraphQLError(`query depth ${depth} exceeds the limit of ${MAX_DEPTH}`, { nodes: [node], extensions: { code: 'QUERY_TOO_DEEP' } }),
        );
      }
      if (cost > MAX_COST) {
        context.reportError(
          new GraphQLError(`query cost ${cost} exceeds the limit of ${MAX_COST}`, { nodes: [node], extensions: { code: 'QUERY_TOO_COSTLY' } }),
        );
      }
    },
  };
}
