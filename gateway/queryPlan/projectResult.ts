import {
  GraphQLEnumType,
  GraphQLError,
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLUnionType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

type Json = Record<string, unknown>;
type Path = Array<string | number>;

/** Non-null violated: the value bubbles up to the nearest nullable parent, as graphql-js execution does. */
const INVALID = Symbol('invalid');

interface Projection {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Json;
  errors: GraphQLFormattedError[];
}

/**
 * Shapes the merged subgraph data as the client's operation asked: its response keys in its order, fragments and
 * `@skip`/`@include` applied, `__typename` filled in, the plan's extra fields (keys, `__typename` for entity calls)
 * left out, and a null in a non-null position bubbling to the nearest nullable field with an error at its path
 * unless a subgraph already reported one there.
 */
export function projectResult(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Json,
  data: Json,
  errors: GraphQLFormattedError[],
): Json | null {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return null;
  const projected = selectionSet({ schema, fragments, variables, errors }, data, root, operation.selectionSet, []);
  return projected === INVALID ? null : projected;
}

/** An object type, or an abstract one when the subgraph's answer carries no `__typename` (none was needed). */
type Parent = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType;

/*
 * `instanceof` rather than graphql-js's isObjectType and the rest: unless NODE_ENV is production (Lambda sets none),
 * those compare class names whenever `instanceof` fails, which was a twentieth of the gateway's time on the public
 * benchmark. Every type here comes from the schema the gateway built with this module's graphql.
 */
const isAbstract = (type: GraphQLNamedType | GraphQLOutputType | undefined): type is GraphQLInterfaceType | GraphQLUnionType =>
  type instanceof GraphQLInterfaceType || type instanceof GraphQLUnionType;

function selectionSet(p: Projection, value: Json, type: Parent, set: SelectionSetNode, path: Path): Json | typeof INVALID {
  const out: Json = {};
  for (const [key, nodes] of collectFields(p, type, set, new Map())) {
    const name = nodes[0].name.value;
    if (name === '__typename') {
      out[key] = type.name;
      continue;
    }
    if (path.length === 0 && (name === '__schema' || name === '__type')) {
      out[key] = value[key]; // answered by graphql-js itself over the API schema (see PlanGateway)
      continue;
    }
    const field = type instanceof GraphQLUnionType ? undefined : type.getFields()[name];
    if (!field) continue;
    const completed = complete(p, field.type, nodes, value[key], [...path, key], `${type.name}.${name}`);
    if (completed === INVALID) return INVALID;
    out[key] = completed;
  }
  return out;
}

function complete(p: Projection, type: GraphQLOutputType, nodes: FieldNode[], value: unknown, path: Path, coordinate: string): unknown {
  if (type instanceof GraphQLNonNull) {
    const inner = complete(p, type.ofType, nodes, value, path, coordinate);
    if (inner === null) {
      if (!p.errors.some((e) => startsWith(e.path, path))) {
        p.errors.push(new GraphQLError(`Cannot return null for non-nullable field ${coordinate}.`, { path }).toJSON());
      }
      return INVALID;
    }
    return inner;
  }
  if (value === null || value === undefined) return null;
  if (type instanceof GraphQLList) {
    if (!Array.isArray(value)) return null;
    const items: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = complete(p, type.ofType, nodes, value[i], [...path, i], coordinate);
      if (item === INVALID) return null;
      items.push(item);
    }
    return items;
  }
  if (type instanceof GraphQLEnumType && type.getValue(String(value)) === undefined) {
    // A value this API does not have (inaccessible here, or one subgraph's own): as graphql-js serialising it would.
    p.errors.push(new GraphQLError(`Enum "${type.name}" cannot represent value: ${JSON.stringify(value)}`, { path }).toJSON());
    return null;
  }
  if (!(type instanceof GraphQLObjectType) && !isAbstract(type)) return value; // a leaf, already serialised by its subgraph
  if (typeof value !== 'object') return null;
  const object = value as Json;
  const runtime = isAbstract(type) && typeof object.__typename === 'string' ? p.schema.getType(object.__typename) : type;
  if (!(runtime instanceof GraphQLObjectType) && !isAbstract(runtime)) return null;
  const merged: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: nodes.flatMap((n) => n.selectionSet?.selections ?? []) };
  const projected = selectionSet(p, object, runtime, merged, path);
  return projected === INVALID ? null : projected;
}

/** graphql-js's CollectFields: response key → the field nodes that share it, in first-seen order. */
function collectFields(p: Projection, type: Parent, set: SelectionSetNode, into: Map<string, FieldNode[]>, seen = new Set<string>()): Map<string, FieldNode[]> {
  for (const selection of set.selections) {
    if (!included(p, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const list = into.get(key);
      if (list) list.push(selection);
      else into.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!selection.typeCondition || applies(p, selection.typeCondition.name.value, type)) collectFields(p, type, selection.selectionSet, into, seen);
    } else {
      const name = selection.name.value;
      const fragment = p.fragments[name];
      if (!fragment || seen.has(name) || !applies(p, fragment.typeCondition.name.value, type)) continue;
      seen.add(name);
      collectFields(p, type, fragment.selectionSet, into, seen);
    }
  }
  return into;
}

function applies(p: Projection, condition: string, type: Parent): boolean {
  if (condition === type.name) return true;
  const named = p.schema.getType(condition);
  return type instanceof GraphQLObjectType && isAbstract(named) && p.schema.isSubType(named, type);
}

function included(p: Projection, node: { directives?: readonly { name: { value: string }; arguments?: readonly { name: { value: string }; value: unknown }[] }[] }): boolean {
  for (const directive of node.directives ?? []) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const arg = directive.arguments?.find((a) => a.name.value === 'if')?.value as { kind: string; value?: boolean; name?: { value: string } } | undefined;
    const on = arg?.kind === Kind.VARIABLE ? p.variables[arg.name!.value] === true : arg?.value === true;
    if (name === 'skip' ? on : !on) return false;
  }
  return true;
}

function startsWith(path: readonly (string | number)[] | undefined, prefix: Path): boolean {
  return path !== undefined && prefix.every((segment, i) => path[i] === segment);
}

/** Every fragment of a document by name. */
export function fragmentsOf(definitions: readonly { kind: string }[]): Record<string, FragmentDefinitionNode> {
  const out: Record<string, FragmentDefinitionNode> = {};
  for (const d of definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out[(d as FragmentDefinitionNode).name.value] = d as FragmentDefinitionNode;
  return out;
}
