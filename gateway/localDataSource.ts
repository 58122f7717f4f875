import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { execute, GraphQLError, parse, validate, validateSchema, type DocumentNode, type GraphQLSchema } from 'graphql';

type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

/** Distinct subgraph operations kept parsed; the planner emits a bounded set (one per cached plan fetch). */
const MAX_DOCUMENTS = 2_000;

/**
 * An in-process subgraph, like `LocalGraphQLDataSource` (same `graphql()` semantics: syntax and validation errors
 * are returned, not thrown), but each distinct fetch operation is parsed and validated once and then only
 * executed: the gateway's query plans are cached, so every request sends the same few operation strings.
 */
export class CachedLocalDataSource implements GraphQLDataSource<Record<string, unknown>> {
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

  async process({ request, context }: GraphQLDataSourceProcessOptions<Record<string, unknown>>): Promise<GatewayGraphQLResponse> {
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
}
