import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { admitRequest, presentedJwt, presentedKey } from '../../core/auth/admit.js';
import { jwtSettingsFromEnv } from '../../core/auth/jwt.js';
import { bodyText, header, json } from '../../core/http/response.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';
import { executeGraphQL, startGateway } from '../../gateway/gateway.js';
import { persistedRequest } from '../../gateway/persistedOperations.js';
import { LruCache } from '../../core/auth/lru.js';
import { getOperationText } from '../../core/store/operations.js';
import { piiClassifier, piiTraitsFromEnv } from '../../core/privacy/pii.js';
import { archiveFilesOf } from '../../core/analyticsEngine/archiveFiles.js';
import { archiveEngineOf } from '../../core/analyticsEngine/archiveQueries.js';
import { createRequestContext, subgraphTablesFromEnv, type RequestSettings } from '../../subgraphs/context.js';

/** The stage's OIDC settings, read once (a bad value fails the cold start, not a request). */
const jwtSettings = jwtSettingsFromEnv(process.env.JWT_SETTINGS);

const o = observability(FUNCTIONS.graphql);
const gateway = startGateway({ logger: o.logger, exposeSchema: requireEnv('GRAPHQL_INTROSPECTION') === 'true' });
const tables = subgraphTablesFromEnv();
const settings: RequestSettings = {
  journeySettings: { defaultTimeZone: requireEnv('DEFAULT_TIME_ZONE') },
  identitySecret: requireEnv('IDENTITY_HASH_SECRET'),
  isPii: piiClassifier(piiTraitsFromEnv(process.env.PII_TRAITS)),
  archive: {
    engine: archiveEngineOf(requireEnv('ARCHIVE_ENGINE'), requireEnv('ARCHIVE_STORE')),
    files: archiveFilesOf(requireEnv('ARCHIVE_STORE')),
  },
};

const graphqlError = (status: number, code: string, message: string, headers?: Record<string, string>) =>
  json(status, { errors: [{ message, extensions: { code } }] }, headers);
/** Registered operations by id, cached: they never change (an id is the hash of the text). */
const operations = new LruCache<string, string>(1_000);
async function lookupOperation(id: string): Promise<string | undefined> {
  const now = Date.now();
  const hit = operations.get(id, now);
  if (hit !== undefined) return hit;
  const text = await getOperationText(tables.operations, id);
  if (text !== undefined) operations.set(id, text, now + 3_600_000);
  return text;
}

/** Every 429 says when to come back. */
const retryAfter = (seconds: number) => ({ 'retry-after': String(seconds) });

/**
 * `POST|GET /graphql`: authenticate the key, then run the request through the gateway and its subgraphs.
 *
 * Metrics: `Requests`, and `RequestsRejected` (refused before execution: bad key or scope, rate limit) or
 * `ErrorResponses` (an HTTP status of 400 or more from the gateway: limits, invalid operations, failures).
 */
async function graphqlHandler(event: APIGatewayProxyEventV2, { logger, measures }: Invocation): Promise<APIGatewayProxyStructuredResultV2> {
  measures.count('Requests', 1);
  const source = event.requestContext?.http?.sourceIp;
  // Any usable key gets in: each field checks its own scope (subgraphs/context.ts, requireScope).
  const auth = await admitRequest({
    keysTable: requireEnv('API_KEYS_TABLE'),
    usageTable: requireEnv('USAGE_TABLE'),
    presented: presentedKey(event),
    jwt: { token: presentedJwt(event), settings: jwtSettings },
    scope: undefined,
    source,
    origin: header(event, 'origin'),
  });
  if (!auth.ok) {
    measures.count('RequestsRejected', 1);
    logger.info('request rejected', { status: auth.status, code: auth.code });
    return graphqlError(auth.status, auth.code, auth.message, auth.status === 429 ? retryAfter(auth.retryAfterSeconds) : undefined);
  }
  const request = { method: event.requestContext.http.method, headers: event.headers ?? {}, body: bodyText(event), search: event.rawQueryString ?? '' };
  const persisted = await persistedRequest(request, auth.key.persistedOnly === true, lookupOperation);
  if (!persisted.ok) {
    measures.count('RequestsRejected', 1);
    return graphqlError(persisted.status, persisted.code, persisted.message);
  }
  const result = await executeGraphQL(await gateway, persisted.request, createRequestContext(tables, auth.key, settings));
  if (result.status >= 400) {
    measures.count('ErrorResponses', 1);
    logger.info('graphql error response', { status: result.status, key: auth.key.name });
  }
  return { statusCode: result.status, headers: result.headers, body: result.body };
}

export const handler = instrument(FUNCTIONS.graphql, graphqlHandler, o);
