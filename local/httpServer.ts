import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { MAX_REQUEST_BYTES } from '../core/events/schema.js';
import { corsHeaders, preflightHeaders } from '../core/http/cors.js';
import { serveConsole } from './consoleSite.js';
import { localLog } from './log.js';

export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Bodies above this are cut off before they reach a handler (API Gateway's own limit is 10 MB). */
const MAX_BODY = MAX_REQUEST_BYTES + 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Content types API Gateway passes as text; any other body, or one with a Content-Encoding, arrives base64. */
const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]*\+json|graphql|x-www-form-urlencoded|javascript|xml)\b)/i;

/** Builds the API Gateway HTTP API (payload format 2.0) event a Lambda behind it would receive. */
function toEvent(req: IncomingMessage, url: URL, raw: Buffer, routeKey: string): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  const now = Date.now();
  const binary = raw.length > 0 && (headers['content-encoding'] !== undefined || !TEXT_TYPES.test(headers['content-type'] ?? ''));
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    queryStringParameters: Object.fromEntries(url.searchParams),
    body: binary ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: `${now}-${Math.random().toString(36).slice(2)}`,
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}

/**
 * Serves the HTTP routes of the functions on one port, as API Gateway would: each request becomes an HTTP API
 * event for the handler that owns its route (`POST /v1/events`, `POST /graphql`, …). With `consoleDir`, the built
 * console is served at /console as well.
 */
export async function startHttpServer(
  routes: Map<string, HttpHandler>,
  port: number,
  host = '127.0.0.1',
  corsOrigins: readonly string[] = [],
  consoleDir?: string,
): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (consoleDir && serveConsole(consoleDir, req, res, url)) return;
    const routeKey = `${req.method} ${url.pathname}`;
    const handler = routes.get(routeKey);
    // CORS as API Gateway's configuration answers it: preflights without the function, headers on every answer.
    const cors = corsHeaders(typeof req.headers.origin === 'string' ? req.headers.origin : undefined, corsOrigins);
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    if (req.method === 'OPTIONS' && routes.has(`POST ${url.pathname}`)) {
      res.writeHead(204, Object.keys(cors).length ? preflightHeaders : {}).end();
      return;
    }
    try {
      if (!handler) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
        return;
      }
      const body = await readBody(req);
      if (body === null) {
        res.writeHead(413, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Request Entity Too Large' }));
        return;
      }
      const result = await handler(toEvent(req, url, body, routeKey));
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(result.body ?? '');
    } catch (err) {
      localLog.error('http handler failed', { route: routeKey, error: err });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
