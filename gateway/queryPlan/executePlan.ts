import type { FetchNode, FetchRewrite, FlattenNodePathSegment, PlanNode, QueryPlan, RequiresSelection } from '@graphql-hive/router-query-planner';
import type { GraphQLFormattedError } from 'graphql';

type Json = Record<string, unknown>;
type Path = ReadonlyArray<string | number>;

/** One subgraph call: the fetch's operation text (parsed once by the callee), its variables and operation name. */
export type SubgraphFetcher = (
  serviceName: string,
  request: { query: string; variables: Json; operationName?: string },
) => Promise<{ data?: Json | null; errors?: readonly GraphQLFormattedError[] }>;

/** What running a plan leaves: the merged subgraph data (extra key fields included) and the relocated errors. */
export interface PlanResult {
  data: Json;
  errors: GraphQLFormattedError[];
}

/**
 * Runs a Hive Router query plan (Sequence, Parallel, Flatten, Condition, Fetch and BatchFetch nodes, entity fetches
 * with their `requires` and rewrites), merging every fetch's answer into one data tree. Entity errors get the response path of
 * the entity they belong to. Defer and subscriptions are not planned by the product (no such operations), and are
 * refused rather than half-run. `projectResult` then shapes the tree as the operation asked.
 */
export async function executePlan(plan: QueryPlan, variables: Json, fetcher: SubgraphFetcher, types: Types): Promise<PlanResult> {
  const result: PlanResult = { data: {}, errors: [] };
  if (plan.node) await runNode(plan.node, { variables, fetcher, result, types });
  return result;
}

/** What the executor asks of the API schema about the typenames in the data. */
export interface Types {
  /**
   * Whether an object of type `typename` matches a plan's type condition: the type itself, or an interface or union
   * it belongs to (an interface object's entity fetch names the interface, the data holds the implementing type).
   */
  isA(typename: string, condition: string): boolean;
  /** Whether `typename` names an interface or union: what an interface object's subgraph answers for `__typename`. */
  isAbstract(typename: string): boolean;
}

interface Run {
  variables: Json;
  fetcher: SubgraphFetcher;
  result: PlanResult;
  types: Types;
}

/** An object of the data tree an entity fetch fills in, with where it sits in the response. */
interface Target {
  object: Json;
  path: Path;
}

async function runNode(node: PlanNode, run: Run, targets?: Target[]): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await runNode(child, run, targets);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => runNode(child, run, targets)));
      return;
    case 'Flatten':
      // Flatten paths start at the root of the response.
      return runNode(node.node, run, collect([{ object: run.result.data, path: [] }], node.path, run.types));
    case 'Condition': {
      const branch = run.variables[node.condition] === true ? node.ifClause : node.elseClause;
      if (branch) await runNode(branch, run, targets);
      return;
    }
    case 'Fetch':
      if (!targets) return fetchRoot(node, run);
      return fetchEntities(node, run, [{ field: '_entities', variable: 'representations', targets, requires: node.requires ?? [], inputRewrites: node.inputRewrites, outputRewrites: node.outputRewrites }]);
    case 'BatchFetch': {
      const root = [{ object: run.result.data, path: [] }];
      return fetchEntities(node, run, node.entityBatch.aliases.map((a) => ({
        field: a.alias, variable: a.representationsVariableName, targets: a.paths.flatMap((path) => collect(root, path, run.types)),
        requires: a.requires, inputRewrites: a.inputRewrites, outputRewrites: a.outputRewrites,
      })));
    }
    default:
      throw new Error(`query plan node ${node.kind} is not supported by this gateway`);
  }
}

function fetchVariables(node: { variableUsages?: string[] }, variables: Json): Json {
  const out: Json = {};
  for (const name of node.variableUsages ?? []) if (variables[name] !== undefined) out[name] = variables[name];
  return out;
}

async function fetchRoot(node: FetchNode, run: Run): Promise<void> {
  const answer = await run.fetcher(node.serviceName, { query: node.operation, variables: fetchVariables(node, run.variables), operationName: node.operationName });
  if (answer.errors) run.result.errors.push(...answer.errors);
  if (answer.data) mergeInto(run.result.data, rewrite(answer.data, node.outputRewrites, run.types), run.types);
}

/** The entities one `_entities` field of a fetch resolves: where they sit, and how their representations are made. */
interface EntityGroup {
  /** The response key of the `_entities` field in the fetch's answer. */
  field: string;
  /** The variable that carries its representations. */
  variable: string;
  targets: Target[];
  requires: RequiresSelection[];
  inputRewrites?: FetchRewrite[];
  outputRewrites?: FetchRewrite[];
}

/**
 * One subgraph call for one or more entity groups (a Fetch under a Flatten is one group; a BatchFetch, which the
 * planner makes of several entity fetches to one subgraph, is one group per alias), each merged back where it came
 * from. One representation per distinct entity: a user listed twice is resolved once and merged into both places.
 */
async function fetchEntities(node: { serviceName: string; operation: string; operationName?: string; variableUsages?: string[] }, run: Run, groups: EntityGroup[]): Promise<void> {
  const variables = fetchVariables(node, run.variables);
  const slots = groups.map((group) => {
    const indexOf = new Map<string, number>();
    const representations: Json[] = [];
    const slot = group.targets.map((target) => {
      const projected = project(target.object, group.requires, run.types) as Json | undefined;
      // Not this fetch's entity: the requires' type conditions do not match it, or a key field is missing.
      if (projected?.__typename === undefined) return -1;
      const representation = rewrite(projected, group.inputRewrites, run.types);
      const key = JSON.stringify(representation);
      let index = indexOf.get(key);
      if (index === undefined) {
        index = representations.push(representation) - 1;
        indexOf.set(key, index);
      }
      return index;
    });
    variables[group.variable] = representations;
    return slot;
  });
  if (groups.every((_, g) => slots[g].every((index) => index < 0))) return;
  const answer = await run.fetcher(node.serviceName, { query: node.operation, variables, operationName: node.operationName });
  groups.forEach((group, g) => {
    const entities = (answer.data?.[group.field] ?? []) as Array<Json | null>;
    group.targets.forEach((target, i) => {
      const entity = slots[g][i] < 0 ? undefined : entities[slots[g][i]];
      if (entity) mergeInto(target.object, rewrite(entity, group.outputRewrites, run.types), run.types);
    });
  });
  for (const error of answer.errors ?? []) {
    // `<_entities field>.<i>.rest` → every response path that representation came from.
    const [head, index, ...rest] = error.path ?? [];
    const g = groups.findIndex((group) => group.field === head);
    if (g >= 0 && typeof index === 'number') {
      groups[g].targets.forEach((target, i) => {
        if (slots[g][i] === index) run.result.errors.push({ ...error, path: [...target.path, ...rest] });
      });
    } else {
      // A path inside the subgraph's own `_entities` query means nothing to the client.
      const { path: _inSubgraph, ...located } = error;
      run.result.errors.push(located);
    }
  }
}

/** The objects at a Flatten path: `@` walks into list items, a type condition keeps only those typenames. */
function collect(from: Target[], path: FlattenNodePathSegment[], types: Types): Target[] {
  let level: Array<{ value: unknown; path: Path }> = from.map((t) => ({ value: t.object, path: t.path }));
  for (const segment of path) {
    const next: Array<{ value: unknown; path: Path }> = [];
    for (const { value, path: at } of level) {
      if (segment === '@') {
        if (Array.isArray(value)) value.forEach((item, i) => next.push({ value: item, path: [...at, i] }));
      } else if ('Field' in segment) {
        if (value && typeof value === 'object' && !Array.isArray(value)) {
          const child = (value as Json)[segment.Field];
          if (child !== undefined && child !== null) next.push({ value: child, path: [...at, segment.Field] });
        }
      } else if (isObject(value) && segment.TypeCondition.some((condition) => types.isA(String(value.__typename), condition))) {
        next.push({ value, path: at });
      }
    }
    level = next;
  }
  // A list at the end of the path (a Flatten over `users.@` ends at the items already) is walked into.
  return level.flatMap(({ value, path: at }) =>
    Array.isArray(value)
      ? value.flatMap((item, i) => (isObject(item) ? [{ object: item, path: [...at, i] }] : []))
      : isObject(value) ? [{ object: value, path: at }] : [],
  );
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * An entity's representation: the `requires` selection (its key fields, `__typename`) read off the data tree, or
 * undefined when a field it needs is missing (an earlier fetch could not resolve it): no representation is sent then.
 */
function project(value: unknown, selections: RequiresSelection[], types: Types): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => project(item, selections, types));
    return items.includes(undefined) ? undefined : items;
  }
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      // The planner's `alias` is the representation's key; the data holds the field under `name` (the fetch's own
      // alias for it when two arguments of one field are required) or, failing that, under `alias`.
      const field = value[selection.name] ?? value[selection.alias ?? selection.name];
      const projected = selection.selections?.length ? project(field, selection.selections, types) : field;
      if (projected === undefined) return undefined;
      out[selection.alias ?? selection.name] = projected;
    } else if (selection.kind === 'InlineFragment') {
      const typename = value.__typename;
      if (typename === undefined || selection.typeCondition === undefined || types.isA(String(typename), selection.typeCondition)) {
        const projected = project(value, selection.selections, types);
        if (projected === undefined) return undefined;
        Object.assign(out, projected);
      }
    } else {
      throw new Error('fragment spreads in a query plan\'s requires are not supported by this gateway');
    }
  }
  return out;
}

/** Input and output rewrites: set a value (an interface object's `__typename`) or rename a key along a path. */
function rewrite<T extends Json>(value: T, rewrites: FetchRewrite[] | undefined, types: Types): T {
  if (!rewrites?.length) return value;
  for (const r of rewrites) {
    if ('KeyRenamer' in r) applyAt(value, r.KeyRenamer.path, types, (obj, key) => {
      if (key in obj) {
        obj[r.KeyRenamer.renameKeyTo] = obj[key];
        delete obj[key];
      }
    });
    else {
      const setter = 'ValueSetter' in r ? r.ValueSetter : r;
      applyAt(value, setter.path, types, (obj, key) => (obj[key] = setter.setValueTo));
    }
  }
  return value;
}

function applyAt(value: unknown, path: Array<{ TypenameEquals: string[] } | { Key: string }>, types: Types, apply: (obj: Json, key: string) => void): void {
  if (Array.isArray(value)) return value.forEach((item) => applyAt(item, path, types, apply));
  if (!isObject(value) || path.length === 0) return;
  const [segment, ...rest] = path;
  if ('TypenameEquals' in segment) {
    if (segment.TypenameEquals.some((condition) => types.isA(String(value.__typename), condition))) applyAt(value, rest, types, apply);
  } else if (rest.length === 0) apply(value, segment.Key);
  else applyAt(value[segment.Key], rest, types, apply);
}

/**
 * Deep merge of a fetch's answer into the tree: objects field by field, lists item by item. A `__typename` naming an
 * interface (an interface object's subgraph knows no implementations) never replaces the concrete type already there.
 */
function mergeInto(target: Json, source: Json, types: Types): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (key === '__typename' && existing !== undefined && types.isAbstract(String(value))) continue;
    if (isObject(existing) && isObject(value)) mergeInto(existing, value, types);
    else if (Array.isArray(existing) && Array.isArray(value) && existing.length === value.length) mergeLists(existing, value, types);
    else target[key] = value;
  }
}

function mergeLists(target: unknown[], source: unknown[], types: Types): void {
  source.forEach((value, i) => {
    const existing = target[i];
    if (isObject(existing) && isObject(value)) mergeInto(existing, value, types);
    else if (Array.isArray(existing) && Array.isArray(value) && existing.length === value.length) mergeLists(existing, value, types);
    else target[i] = value;
  });
}
