import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { authenticate } from '../../core/auth/apiKeys.js';
import { RateLimiter } from '../../core/auth/rateLimit.js';
import { bodyText, header, json } from '../../core/http/response.js';
import { ingestRequest } from '../../core/ingest/ingestRequest.js';
import { requireEnv } from '../../core/platform/env.js';

const limiter = new RateLimiter();

/** `POST /v1/events`: authenticate, rate-limit, then hand the body to the ingest use case. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const auth = await authenticate(requireEnv('API_KEYS_TABLE'), header(event, 'x-api-key'), 'events:write');
  if (!auth.ok) return json(auth.status, { accepted: 0, rejected: [{ index: -1, code: auth.code, message: auth.message }] });
  if (!limiter.take(auth.key.keyHash, auth.key.rateLimit, Date.now())) {
    return json(429, { accepted: 0, rejected: [{ index: -1, code: 'RATE_LIMITED', message: 'too many requests' }] }, { 'retry-after': '1' });
  }
  const result = await ingestRequest(bodyText(event), {
    stream: requireEnv('EVENTS_STREAM'),
    source: auth.key.name,
    receivedAt: Date.now(),
  });
  return json(result.status, result.body);
};
