import { execute, GraphQLError, parse, validate, validateSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';

type GatewayGraphQLResponse = ExecutionResult<Record<string, unknown>>;
type FetchRequest = { query?: string; variables?: Record<string, unknown>; operationName?: string };

/** Distinct subgraph operations kept parsed; the planner emits a bounded set (one per cached plan fetch). */
const MAX_DOCUMENTS = 2_000;

/**
 * An in-process subgraph, like `LocalGraphQLDataSource` (same `graphql()` semantics: syntax and validation errors
 * are returned, not thrown), but each distinct fetch operation is parsed and validated once and then only
 * executed: the gateway's query plans are cached, so every request sends the same few operation strings.
 */
export class CachedLocalDataSource {
  private readonly documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  private readonly schemaErrors: readonly GraphQLError[];

  constructor(private readonly schema: GraphQLSchema) {
    this.schemaErrors = validateSchema(schema);
  }

  private document(query: string): DocumentNode | readonly GraphQLError[] {
    let doc = this.documents.get(query);
    if (doc) return doc;
    try {
      const parsed = parse(query);
      const errors = validate(this.schema, parsed);
      doc = errors.length > 0 ? errors : parsed;
    } catch (err) {
      doc = [err as GraphQLError];
    }
    if (this.documents.size >= MAX_DOCUMENTS) this.documents.clear();
    this.documents.set(query, doc);
    return doc;
  }

  /** One fetch: the plan's operation text, its variables, and the request's context for the resolvers. */
  async execute(request: FetchRequest, context: unknown): Promise<GatewayGraphQLResponse> {
    if (this.schemaErrors.length > 0) return { errors: this.schemaErrors as GraphQLError[] };
    const doc = this.document(request.query ?? '');
    if (Array.isArray(doc)) return { errors: doc as GraphQLError[] };
    return (await execute({
      schema: this.schema,
      document: doc as DocumentNode,
      variableValues: request.variables,
      operationName: request.operationName,
      contextValue: context,
    })) as GatewayGraphQLResponse;
  }

  /** The same, as an @apollo/gateway data source (the benchmark's baseline engine). */
  process({ request, context }: { request: FetchRequest; context: unknown }): Promise<GatewayGraphQLResponse> {
    return this.execute(request, context);
  }
}
