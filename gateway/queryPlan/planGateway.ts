import type { GatewayExecutor, GatewayInterface, GatewaySchemaLoadOrUpdateCallback } from '@apollo/server-gateway-interface';
import { QueryPlanner, type QueryPlan } from '@graphql-hive/router-query-planner';
import {
  buildASTSchema,
  execute,
  getVariableValues,
  GraphQLError,
  isAbstractType,
  isObjectType,
  Kind,
  parse,
  print,
  specifiedDirectives,
  specifiedScalarTypes,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { executePlan, type Types, type SubgraphFetcher } from './executePlan.js';
import { fragmentsOf, projectResult } from './projectResult.js';

/** Distinct operations whose plans are kept; past it the cache starts over (clients send a bounded set). */
const MAX_PLANS = 2_000;

/**
 * The gateway engine behind Apollo Server: Hive Router's query planner (Rust, N-API, prebuilt per platform in
 * `@graphql-hive/router-query-planner`) plans each distinct operation once, and `executePlan` runs the plan against
 * `fetcher`, in process or over HTTP. Apollo Server keeps what it did before (HTTP, parsing, validation against the
 * API schema, the limit, masking and status plugins); this replaces only `@apollo/gateway`, whose federation
 * libraries were most of the graphql function's bundle and start-up (docs/architecture.md, "The gateway").
 */
export class PlanGateway implements GatewayInterface {
  private readonly listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  private readonly plans = new Map<string, Planned>();

  /** `fetcher` gets each request's context (the caller's RequestContext in the product) with every fetch. */
  constructor(
    private readonly supergraphSdl: string,
    private readonly fetcher: (...args: [...Parameters<SubgraphFetcher>, context: unknown]) => ReturnType<SubgraphFetcher>,
  ) {}

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): () => void {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  async load(): Promise<{ executor: GatewayExecutor }> {
    const planner = new QueryPlanner(this.supergraphSdl);
    const apiSchema = apiSchemaOf(planner.consumerSchema);
    for (const listener of this.listeners) listener({ apiSchema, coreSupergraphSdl: this.supergraphSdl });
    const types = typesOf(apiSchema);
    return { executor: (requestContext) => this.execute(planner, apiSchema, types, requestContext) };
  }

  async stop(): Promise<void> {
    this.listeners.clear();
  }

  private async execute(planner: QueryPlanner, schema: GraphQLSchema, types: Types, requestContext: Parameters<GatewayExecutor>[0]) {
    const { operation, document, source, operationName } = requestContext;
    // Variables are coerced as graphql-js execution would, with the same errors (Apollo Server types them).
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], requestContext.request.variables ?? {});
    if (coerced.errors) return { errors: coerced.errors };
    const variables = coerced.coerced as Record<string, unknown>;
    const key = `${operationName ?? ''}\n${source}`;
    let planned = this.plans.get(key);
    if (!planned) {
      planned = plan(planner, document, operation, source, operationName);
      if (this.plans.size >= MAX_PLANS) this.plans.clear();
      this.plans.set(key, planned);
    }
    const fetcher: SubgraphFetcher = (service, request) => this.fetcher(service, request, requestContext.context);
    const [run, introspection] = await Promise.all([
      planned.plan ? executePlan(planned.plan, variables, fetcher, types) : { data: {}, errors: [] as GraphQLFormattedError[] },
      planned.introspection ? execute({ schema, document: planned.introspection, variableValues: variables }) : undefined,
    ]);
    if (introspection?.data) Object.assign(run.data, introspection.data);
    if (introspection?.errors) run.errors.push(...introspection.errors.map((e) => e.toJSON()));
    const data = projectResult(schema, operation, planned.fragments, variables, run.data, run.errors);
    return run.errors.length ? { data, errors: run.errors.map(asGatewayError) } : { data };
  }
}

/**
 * The plan executor's questions about typenames, answered over the API schema, once each per pair of its types:
 * they are asked for every entity of every answer, and graphql-js's type checks are slow outside
 * NODE_ENV=production (projectResult.ts). A typename the schema lacks (a subgraph's own) is answered, not kept.
 */
function typesOf(schema: GraphQLSchema): Types {
  const subtypes = new Map<string, boolean>();
  const abstract = new Map<string, boolean>();
  return {
    isA(typename, condition) {
      if (typename === condition) return true;
      const key = `${typename} ${condition}`;
      const known = subtypes.get(key);
      if (known !== undefined) return known;
      const parent = schema.getType(condition);
      const object = schema.getType(typename);
      const is = isAbstractType(parent) && isObjectType(object) && schema.isSubType(parent, object);
      if (parent && object) subtypes.set(key, is);
      return is;
    },
    isAbstract(typename) {
      const known = abstract.get(typename);
      if (known !== undefined) return known;
      const type = schema.getType(typename);
      const is = isAbstractType(type);
      if (type) abstract.set(typename, is);
      return is;
    },
  };
}

/**
 * What an operation needs each time it runs, worked out once: its plan, its introspection fields (`__schema`,
 * `__type`, which the gateway answers itself) and its fragments by name (for shaping the answer).
 */
interface Planned {
  plan?: QueryPlan;
  introspection?: DocumentNode;
  fragments: ReturnType<typeof fragmentsOf>;
}

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);
const STANDARD = new Set([...specifiedScalarTypes.map((t) => t.name), ...specifiedDirectives.map((d) => `@${d.name}`)]);

function plan(planner: QueryPlanner, document: DocumentNode, operation: OperationDefinitionNode, source: string, operationName: string | null): Planned {
  const isIntrospection = (s: OperationDefinitionNode['selectionSet']['selections'][number]) => s.kind === Kind.FIELD && INTROSPECTION_FIELDS.has(s.name.value);
  const selections = operation.selectionSet.selections;
  const fragments = fragmentsOf(document.definitions);
  if (!selections.some(isIntrospection)) return { plan: planner.plan(source, operationName, new Set(), 0), fragments };
  const only = (keep: boolean): DocumentNode => {
    const kept: OperationDefinitionNode = { ...operation, selectionSet: { ...operation.selectionSet, selections: selections.filter((s) => isIntrospection(s) === keep) } };
    return { ...document, definitions: [kept, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)] };
  };
  const rest = selections.some((s) => !isIntrospection(s)) ? planner.plan(print(only(false)), operationName, new Set(), 0) : undefined;
  return { plan: rest, introspection: only(true), fragments };
}

/**
 * The API schema from the planner's consumer schema, less what graphql-js has built in: the introspection types
 * and the fields it lists on Query, and its own definitions of the standard scalars and directives (one with other
 * locations).
 * So the schema, and its introspection, match @apollo/gateway's.
 */
function apiSchemaOf(consumerSdl: string): GraphQLSchema {
  const builtIn = (name: string) => name.startsWith('__') || STANDARD.has(name);
  const document = parse(consumerSdl, { noLocation: true });
  const definitions = document.definitions.flatMap((d): DefinitionNode[] => {
    if (d.kind === Kind.DIRECTIVE_DEFINITION) return STANDARD.has(`@${d.name.value}`) ? [] : [d];
    if (!('name' in d) || !d.name || !builtIn(d.name.value)) {
      return d.kind === Kind.OBJECT_TYPE_DEFINITION ? [{ ...d, fields: d.fields?.filter((f) => !f.name.value.startsWith('__')) }] : [d];
    }
    return [];
  });
  // The planner validated the supergraph it derived this from.
  return buildASTSchema({ ...document, definitions }, { assumeValidSDL: true });
}

/**
 * A subgraph's error as the gateway reports it: its message, the response path and its typed code (or
 * DOWNSTREAM_SERVICE_ERROR, which the masking plugin hides); the subgraph's own locations point into the plan's
 * fetch text, not the client's query, so they are dropped.
 */
function asGatewayError(error: GraphQLFormattedError): GraphQLError {
  const extensions = { ...error.extensions, code: error.extensions?.code ?? 'DOWNSTREAM_SERVICE_ERROR' };
  return new GraphQLError(error.message, { path: error.path, extensions });
}
