import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { RequestContext } from '../subgraphs/context.js';

/** Deepest selection nesting a query may have. */
export const MAX_DEPTH = 10;
/** Most fields a query may select, counting list fields by their `first` argument. */
export const MAX_COST = 5_000;
/** Most aliased fields an operation may hold (fragments counted once per spread). */
export const MAX_ALIASES = 15;

export interface QueryMeasure {
  depth: number;
  cost: number;
  aliases: number;
}

/**
 * Depth, cost and alias count of one operation, priced as it will execute: the `first` of a paged field is read from
 * a literal, from the request's variables (or the variable's default), or from the schema's argument default, so
 * `users(first: $n)` and a bare `users` cost what they will read. Each fragment is measured once and memoized, so a
 * chain of fragments that each spread the next twice costs linear time to measure (and is priced at its full,
 * exponential cost). Cyclic spreads count nothing (graphql-js validation rejects them).
 *
 * Hand-written rather than graphql-query-complexity 2: that library expands every fragment spread again per use and
 * stops at `maxQueryNodes` (10,000 by default) with an untyped error, so a fragment chain is refused without a cost
 * and the walk is proportional to the expanded query, not the document.
 */
export function measureOperation(
  schema: GraphQLSchema | undefined,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): QueryMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  // Variable values with the operation's defaults filled in (only what `first` needs: coerced by valueFromAST below).
  const vars: Record<string, unknown> = Object.create(null);
  for (const v of operation.variableDefinitions ?? []) {
    const name = v.variable.name.value;
    if (Object.hasOwn(variables, name)) vars[name] = variables[name];
    else if (v.defaultValue) vars[name] = valueFromAST(v.defaultValue, schema?.getType('Int') as never);
  }

  const memo = new Map<string, QueryMeasure>();
  const inProgress = new Set<string>();

  const fieldOf = (parent: GraphQLCompositeType | undefined, name: string): GraphQLField<unknown, unknown> | undefined =>
    parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;

  const multiplierOf = (field: GraphQLField<unknown, unknown> | undefined, node: import('graphql').FieldNode): number => {
    const argNode = node.arguments?.find((a) => a.name.value === 'first');
    const argDef = field?.args.find((a) => a.name === 'first');
    let value: unknown = undefined;
    if (argNode) {
      if (argNode.value.kind === Kind.VARIABLE) value = vars[argNode.value.name.value];
      else if (argNode.value.kind === Kind.INT) value = Number(argNode.value.value);
      else if (argDef) value = valueFromAST(argNode.value, argDef.type, vars);
    }
    if ((value === undefined || value === null) && argDef) value = argDef.defaultValue;
    if (value === undefined && !argDef && !argNode) return 1;
    const n = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : 1;
    return Math.max(1, n);
  };

  // Depth is relative to the selection set's own level (a set of leaves has depth 1).
  const measure = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined): QueryMeasure => {
    let depth = 0;
    let cost = 0;
    let aliases = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.alias) aliases++;
        const field = fieldOf(parent, sel.name.value);
        if (sel.selectionSet) {
          const type = field ? getNamedType(field.type) : undefined;
          const inner = measure(sel.selectionSet, type && isCompositeType(type) ? type : undefined);
          depth = Math.max(depth, 1 + inner.depth);
          cost += 1 + multiplierOf(field, sel) * inner.cost;
          aliases += inner.aliases;
        } else {
          depth = Math.max(depth, 1);
          cost += 1;
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const cond = sel.typeCondition ? schema?.getType(sel.typeCondition.name.value) : parent;
        const inner = measure(sel.selectionSet, cond && isCompositeType(cond) ? cond : undefined);
        depth = Math.max(depth, inner.depth);
        cost += inner.cost;
        aliases += inner.aliases;
      } else {
        const inner = fragmentMeasure(sel.name.value);
        depth = Math.max(depth, inner.depth);
        cost += inner.cost;
        aliases += inner.aliases;
      }
    }
    return { depth, cost, aliases };
  };

  const fragmentMeasure = (name: string): QueryMeasure => {
    const known = memo.get(name);
    if (known) return known;
    const frag = fragments.get(name);
    if (!frag || inProgress.has(name)) return { depth: 0, cost: 0, aliases: 0 }; // unknown or cyclic: graphql-js reports them
    inProgress.add(name);
    const cond = schema?.getType(frag.typeCondition.name.value);
    const m = measure(frag.selectionSet, cond && isCompositeType(cond) ? cond : undefined);
    inProgress.delete(name);
    memo.set(name, m);
    return m;
  };

  const root =
    operation.operation === 'mutation' ? schema?.getMutationType() : operation.operation === 'subscription' ? schema?.getSubscriptionType() : schema?.getQueryType();
  return measure(operation.selectionSet, root ?? undefined);
}

/** Depth and cost of every operation of a document, without a schema or variables (literal `first` only). */
export function measureQuery(document: DocumentNode, schema?: GraphQLSchema, variables?: Record<string, unknown>): QueryMeasure {
  let depth = 0;
  let cost = 0;
  let aliases = 0;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const m = measureOperation(schema, document, def, variables);
    depth = Math.max(depth, m.depth);
    cost += m.cost;
    aliases = Math.max(aliases, m.aliases);
  }
  return { depth, cost, aliases };
}

const limitError = (message: string, code: string, extra: Record<string, unknown>) =>
  new GraphQLError(message, { extensions: { code, http: { status: 400 }, ...extra } });

/**
 * Rejects operations nested deeper than {@link MAX_DEPTH}, costing more than {@link MAX_COST} or holding more than
 * {@link MAX_ALIASES} aliases before anything executes. Cost counts each selected field once, multiplied along paths
 * by the `first` of paged fields (literal, variable or schema default), so `users(first: 100) { events(first: 100) { … } }`
 * is priced as the ten thousand rows it asks for. A plugin rather than a validation rule, because Apollo rewrites
 * validation error codes to GRAPHQL_VALIDATION_FAILED and clients should be able to tell these limits apart.
 */
export const queryLimitsPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document, operation, schema, request }) {
        if (!operation) return; // Apollo itself reports an unknown operation name
        const { depth, cost, aliases } = measureOperation(schema, document, operation, request.variables ?? {});
        if (aliases > MAX_ALIASES) {
          throw limitError(`query has ${aliases} aliases, more than the limit of ${MAX_ALIASES}`, 'TOO_MANY_ALIASES', { aliases, limit: MAX_ALIASES });
        }
        if (depth > MAX_DEPTH) {
          throw limitError(`query depth ${depth} exceeds the limit of ${MAX_DEPTH}`, 'QUERY_TOO_DEEP', { depth, limit: MAX_DEPTH });
        }
        if (cost > MAX_COST) {
          throw limitError(`query cost ${cost} exceeds the limit of ${MAX_COST}`, 'QUERY_TOO_COSTLY', { cost, limit: MAX_COST });
        }
      },
    };
  },
};
