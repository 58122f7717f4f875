import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { authenticate } from '../../core/auth/apiKeys.js';
import { RateLimiter } from '../../core/auth/rateLimit.js';
import { bodyText, header, json } from '../../core/http/response.js';
import { requireEnv } from '../../core/platform/env.js';
import { executeGraphQL, startGateway } from '../../gateway/gateway.js';
import { createRequestContext, type SubgraphTables } from '../../subgraphs/context.js';

const limiter = new RateLimiter();
const gateway = startGateway();
const tables: SubgraphTables = {
  profiles: requireEnv('PROFILES_TABLE'),
  identities: requireEnv('IDENTITIES_TABLE'),
  memberships: requireEnv('MEMBERSHIPS_TABLE'),
  rules: requireEnv('RULES_TABLE'),
  audit: requireEnv('AUDIT_TABLE'),
  campaigns: requireEnv('CAMPAIGNS_TABLE'),
};

const graphqlError = (status: number, code: string, message: string) => json(status, { errors: [{ message, extensions: { code } }] });

/** `POST|GET /graphql`: authenticate the key, then run the request through the gateway and its subgraphs. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const auth = await authenticate(requireEnv('API_KEYS_TABLE'), header(event, 'x-api-key'), 'profiles:read');
  if (!auth.ok) return graphqlError(auth.status, auth.code, auth.message);
  if (!limiter.take(auth.key.keyHash, auth.key.rateLimit, Date.now())) return graphqlError(429, 'RATE_LIMITED', 'too many requests');
  const result = await executeGraphQL(
    await gateway,
    { method: event.requestContext.http.method, headers: event.headers ?? {}, body: bodyText(event), search: event.rawQueryString ?? '' },
    createRequestContext(tables, auth.key),
  );
  return { statusCode: result.status, headers: result.headers, body: result.body };
};
