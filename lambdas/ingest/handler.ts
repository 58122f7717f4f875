import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { admitRequest, presentedJwt, presentedKey } from '../../core/auth/admit.js';
import { jwtSettingsFromEnv } from '../../core/auth/jwt.js';
import { header, json } from '../../core/http/response.js';
import { ingestBody } from '../../core/ingest/ingestRequest.js';
import { requestEvents } from '../../core/ingest/requestEvents.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, type Invocation } from '../../core/platform/observability.js';

/** The stage's OIDC settings, read once (a bad value fails the cold start, not a request). */
const jwtSettings = jwtSettingsFromEnv(process.env.JWT_SETTINGS);

/**
 * Time kept back from the function's timeout for what follows the PutRecords retries: sorting the answer,
 * logging, flushing metrics, and the response itself. The retry budget is the time left minus this.
 */
export const DEADLINE_MARGIN_MS = 1_500;

/**
 * The epoch ms by which stream retries must end: the time Lambda says is left (or, outside Lambda, the declared
 * timeout from the start of the invocation) minus {@link DEADLINE_MARGIN_MS}.
 */
export function ingestDeadline(startedAt: number, remainingMs?: number): number {
  const left = remainingMs ?? FUNCTIONS.ingest.timeoutSeconds * 1000;
  return startedAt + Math.max(0, left - DEADLINE_MARGIN_MS);
}

/**
 * `POST /v1/events` and Segment's routes (`/v1/batch`, `/v1/track`, …): admit the key (scope, rate, quota), then hand the body to the ingest use case.
 *
 * Metrics: `EventsAccepted` and `EventsRejected` (items rejected on their own, per request) and
 * `RequestsRejected` (a request refused whole: bad key or scope, rate limit, bad JSON, too large, nothing valid).
 */
async function ingestHandler(event: APIGatewayProxyEventV2, { logger, measures, context }: Invocation): Promise<APIGatewayProxyStructuredResultV2> {
  const startedAt = Date.now();
  const deadline = ingestDeadline(startedAt, context?.getRemainingTimeInMillis());
  const refused = (status: number, code: string, message: string, headers?: Record<string, string>) => {
    measures.count('RequestsRejected', 1);
    logger.info('request rejected', { status, code });
    return json(status, { accepted: 0, rejected: [{ index: -1, code, message }] }, headers);
  };
  const source = event.requestContext?.http?.sourceIp;
  const receivedAt = Date.now();
  // A header's key is checked before the body is read; Segment clients may put theirs in the body (writeKey).
  const presented = presentedKey(event);
  let read = presented ? undefined : requestEvents(event, receivedAt);
  const auth = await admitRequest({
    keysTable: requireEnv('API_KEYS_TABLE'),
    usageTable: requireEnv('USAGE_TABLE'),
    presented: presented ?? (read?.ok ? read.writeKey : undefined),
    jwt: { token: presentedJwt(event), settings: jwtSettings },
    scope: 'events:write',
    source,
    origin: header(event, 'origin'),
  });
  if (!auth.ok) {
    return refused(auth.status, auth.code, auth.message, auth.status === 429 ? { 'retry-after': String(auth.retryAfterSeconds) } : undefined);
  }
  read ??= requestEvents(event, receivedAt);
  if (!read.ok) return refused(read.status, read.code, read.message);
  const result = await ingestBody(read.body, {
    stream: requireEnv('EVENTS_STREAM'),
    source: auth.key.name,
    receivedAt,
    deadline,
    identitySecret: requireEnv('IDENTITY_HASH_SECRET'),
    contactsTable: requireEnv('CONTACTS_TABLE'),
  });
  const itemRejects = result.body.rejected.filter((r) => r.index >= 0).length;
  measures.count('EventsAccepted', result.body.accepted).count('EventsRejected', itemRejects);
  if (result.status !== 200) measures.count('RequestsRejected', 1);
  // Per request: DEBUG when every event was stored (metrics count those), INFO when something was rejected.
  const fields = { status: result.status, accepted: result.body.accepted, rejected: result.body.rejected.length, key: auth.key.name };
  if (result.body.rejected.length) logger.info('events rejected', { ...fields, codes: [...new Set(result.body.rejected.map((r) => r.code))] });
  else logger.debug('events ingested', fields);
  const headers = result.retryAfterSeconds !== undefined ? { 'retry-after': String(result.retryAfterSeconds) } : undefined;
  return json(result.status, result.body, headers);
}

/**
 * The last line of defence: an error nothing above expected still gets a JSON answer in the contract's shape,
 * with no message, stack or resource name from inside. A 500 is retried by Segment-style clients, and resending
 * is safe (every stored event has its eventId). Causes are fixed where they arise; this only keeps the shape.
 */
async function guarded(event: APIGatewayProxyEventV2, invocation: Invocation): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    return await ingestHandler(event, invocation);
  } catch (error) {
    invocation.logger.error('ingest failed', { error });
    invocation.measures.count('RequestsRejected', 1);
    return json(500, {
      accepted: 0,
      rejected: [{ index: -1, code: 'INTERNAL_ERROR', message: 'the request could not be processed; resend it, eventIds make that safe' }],
    });
  }
}

export const handler = instrument(FUNCTIONS.ingest, guarded);
