import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { authenticate } from '../../core/auth/apiKeys.js';
import { RateLimiter } from '../../core/auth/rateLimit.js';
import { bodyText, header, json } from '../../core/http/response.js';
import { ingestRequest } from '../../core/ingest/ingestRequest.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, type Invocation } from '../../core/platform/observability.js';

const limiter = new RateLimiter();

/**
 * `POST /v1/events`: authenticate, rate-limit, then hand the body to the ingest use case.
 *
 * Metrics: `EventsAccepted` and `EventsRejected` (items rejected on their own, per request) and
 * `RequestsRejected` (a request refused whole: bad key or scope, rate limit, bad JSON, too large, nothing valid).
 */
async function ingestHandler(event: APIGatewayProxyEventV2, { logger, measures }: Invocation): Promise<APIGatewayProxyStructuredResultV2> {
  const refused = (status: number, code: string, message: string, headers?: Record<string, string>) => {
    measures.count('RequestsRejected', 1);
    logger.info('request rejected', { status, code });
    return json(status, { accepted: 0, rejected: [{ index: -1, code, message }] }, headers);
  };
  const auth = await authenticate(requireEnv('API_KEYS_TABLE'), header(event, 'x-api-key'), 'events:write');
  if (!auth.ok) return refused(auth.status, auth.code, auth.message);
  if (!limiter.take(auth.key.keyHash, auth.key.rateLimit, Date.now())) {
    return refused(429, 'RATE_LIMITED', 'too many requests', { 'retry-after': '1' });
  }
  const result = await ingestRequest(bodyText(event), {
    stream: requireEnv('EVENTS_STREAM'),
    source: auth.key.name,
    receivedAt: Date.now(),
  });
  const itemRejects = result.body.rejected.filter((r) => r.index >= 0).length;
  measures.count('EventsAccepted', result.body.accepted).count('EventsRejected', itemRejects);
  if (result.status !== 200) measures.count('RequestsRejected', 1);
  // Per request: DEBUG when every event was stored (metrics count those), INFO when something was rejected.
  const fields = { status: result.status, accepted: result.body.accepted, rejected: result.body.rejected.length, key: auth.key.name };
  if (result.body.rejected.length) logger.info('events rejected', { ...fields, codes: [...new Set(result.body.rejected.map((r) => r.code))] });
  else logger.debug('events ingested', fields);
  return json(result.status, result.body);
}

export const handler = instrument(FUNCTIONS.ingest, ingestHandler);
