import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { MAX_REQUEST_BYTES } from '../events/schema.js';
import { requestBody } from '../http/requestBody.js';
import { parseRequestBody } from './ingestRequest.js';
import { fromSegmentBody, isSegmentRoute, writeKeyOf } from './segment.js';

export type RequestEvents =
  | { ok: true; body: unknown; writeKey: string | undefined }
  | { ok: false; status: number; code: string; message: string };

/**
 * The ingest body of an HTTP request on any ingest route: decoded (base64, gzip), parsed, and for Segment's
 * routes translated to `{"events": [...]}` (core/ingest/segment.ts), with the `writeKey` a Segment body may carry.
 *
 * @example
 * const read = requestEvents(event, Date.now());
 * if (!read.ok) return refuse(read.status, read.code, read.message);
 */
export function requestEvents(event: APIGatewayProxyEventV2, receivedAt: number): RequestEvents {
  const decoded = requestBody(event, MAX_REQUEST_BYTES);
  if (!decoded.ok) return { ok: false, status: decoded.status, code: 'BAD_REQUEST', message: decoded.message };
  const parsed = parseRequestBody(decoded.text);
  if (!parsed.ok) {
    const { status, body } = parsed.refusal;
    return { ok: false, status, code: body.rejected[0]!.code, message: body.rejected[0]!.message };
  }
  const path = event.rawPath ?? event.requestContext?.http?.path;
  if (!isSegmentRoute(path)) return { ok: true, body: parsed.value, writeKey: undefined };
  const body = fromSegmentBody(parsed.value, path, receivedAt);
  if (!body) return { ok: false, status: 400, code: 'BAD_REQUEST', message: 'a /v1/batch body is {"batch": [...]}' };
  return { ok: true, body, writeKey: writeKeyOf(parsed.value) };
}
