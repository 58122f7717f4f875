import {
  buildASTSchema,
  concatAST,
  GraphQLEnumType,
  GraphQLError,
  isEnumType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';

/** A resolver map as @apollo/subgraph takes it: per type, field resolvers plus `__resolveReference`. */
type ResolverMap = Record<string, unknown>;
type ResolveReference = (reference: Record<string, unknown>, context: unknown, info: unknown) => unknown;

const ENTITY_RESOLVERS = new WeakMap<GraphQLSchema, Map<string, ResolveReference>>();

/**
 * An executable Federation 2 subgraph schema from its SDL and resolvers: what the query plan's fetches need of
 * `@apollo/subgraph`'s `buildSubgraphSchema` (the `_entities` field over the `@key` types, `_Any`, `_Entity`,
 * `__resolveReference`), without its federation-internals, which were a third of the graphql function's bundle.
 * Federation directives stay in the AST only; the subgraph's SDL is validated by composition (`npm run compose`),
 * not here. `_service { sdl }` is left out: the supergraph is composed at build time, never from a running subgraph.
 */
export function buildSubgraphSchema(typeDefs: DocumentNode, resolvers: ResolverMap): GraphQLSchema {
  const entities = typeDefs.definitions.flatMap((d) =>
    (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) && d.directives?.some((x) => x.name.value === 'key') ? [d.name.value] : [],
  );
  const federation = entities.length
    ? parse(`scalar _Any\nunion _Entity = ${[...new Set(entities)].join(' | ')}\nextend type Query { _entities(representations: [_Any!]!): [_Entity]! }`)
    : parse('scalar _Any');
  const schema = buildASTSchema(concatAST([typeDefs, federation]), { assumeValidSDL: true });
  const references = new Map<string, ResolveReference>();
  for (const [typeName, config] of Object.entries(resolvers)) attach(schema, typeName, config as Record<string, unknown>, references);
  ENTITY_RESOLVERS.set(schema, references);
  const entitiesField = schema.getQueryType()?.getFields()._entities;
  if (entitiesField) entitiesField.resolve = resolveEntities;
  return schema;
}

function attach(schema: GraphQLSchema, typeName: string, config: Record<string, unknown>, references: Map<string, ResolveReference>): void {
  const type = schema.getType(typeName);
  if (isScalarType(type)) {
    // The scalar's own coercion (DateTime's UTC normalising, JSON's pass-through) replaces the SDL's bare scalar.
    const scalar = config as unknown as Pick<typeof type, 'serialize' | 'parseValue' | 'parseLiteral'>;
    Object.assign(type, { serialize: scalar.serialize, parseValue: scalar.parseValue, parseLiteral: scalar.parseLiteral });
  } else if (isEnumType(type)) {
    // Internal values per enum value name, as graphql-tools maps them.
    const values = Object.fromEntries(type.getValues().map((v) => [v.name, { value: config[v.name] ?? v.name, description: v.description, deprecationReason: v.deprecationReason, astNode: v.astNode }]));
    Object.assign(type, new GraphQLEnumType({ ...type.toConfig(), values }));
  } else if (isObjectType(type)) {
    const fields = type.getFields();
    for (const [name, resolver] of Object.entries(config)) {
      if (name === '__resolveReference') references.set(typeName, resolver as ResolveReference);
      else if (name === '__isTypeOf') type.isTypeOf = resolver as typeof type.isTypeOf;
      else if (fields[name]) fields[name].resolve = (typeof resolver === 'function' ? resolver : (resolver as { resolve: GraphQLFieldResolver<unknown, unknown> }).resolve) as GraphQLFieldResolver<unknown, unknown>;
    }
  }
}

/** `_entities`: each representation through its type's `__resolveReference` (or as it is), typed by `__typename`. */
const resolveEntities: GraphQLFieldResolver<unknown, unknown, { representations: Array<Record<string, unknown>> }> = (_source, { representations }, context, info) =>
  representations.map(async (reference) => {
    const typename = reference.__typename;
    if (typeof typename !== 'string' || !isObjectType(info.schema.getType(typename))) {
      throw new GraphQLError(`no entity type "${String(typename)}" in this subgraph`);
    }
    const resolve = ENTITY_RESOLVERS.get(info.schema)?.get(typename);
    const entity = resolve ? await resolve(reference, context, info) : reference;
    if (entity === null || typeof entity !== 'object') return entity;
    // _Entity's default type resolver reads __typename; a loader's own object may not carry it.
    return (entity as { __typename?: unknown }).__typename === typename ? entity : { ...entity, __typename: typename };
  });
