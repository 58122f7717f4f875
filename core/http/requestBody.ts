import { gunzipSync, inflateSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from './response.js';

export type DecodedBody = { ok: true; text: string } | { ok: false; status: 400 | 413 | 415; message: string };

/**
 * A request body as text: API Gateway's base64 form decoded, then a `Content-Encoding` of gzip or deflate
 * undone (RudderStack's SDKs compress by default), never inflating past `maxBytes`: a small bomb answers 413
 * without ever holding its inflated size.
 *
 * @example
 * const body = requestBody(event, MAX_REQUEST_BYTES);
 * if (!body.ok) return json(body.status, …);
 */
export function requestBody(event: APIGatewayProxyEventV2, maxBytes: number): DecodedBody {
  if (!event.body) return { ok: true, text: '' };
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  const encoding = (header(event, 'content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return { ok: true, text: raw.toString('utf8') };
  const inflate = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipSync : encoding === 'deflate' ? inflateSync : undefined;
  if (!inflate) return { ok: false, status: 415, message: `Content-Encoding ${encoding} is not supported (gzip, deflate or none)` };
  try {
    return { ok: true, text: inflate(raw, { maxOutputLength: maxBytes + 1 }).toString('utf8') };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return { ok: false, status: 413, message: `the body inflates past ${maxBytes} bytes` };
    }
    return { ok: false, status: 400, message: `the body is not valid ${encoding}` };
  }
}
