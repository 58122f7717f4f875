import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { consoleContentSecurityPolicy } from '../core/http/consoleHeaders.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * Serves the built console (console/dist) under /console, as CloudFront serves the bucket on AWS: the same files,
 * the same security headers, and `config.json` (which the CDK deployment writes there) telling the console where
 * GraphQL is; locally it is on the same port. Returns false for any other path.
 */
export function serveConsole(dir: string, req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (url.pathname !== '/console' && !url.pathname.startsWith('/console/')) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  if (url.pathname === '/console') {
    res.writeHead(301, { location: '/console/' }).end();
    return true;
  }
  const headers = {
    'content-security-policy': consoleContentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
  const rel = decodeURIComponent(url.pathname.slice('/console/'.length)) || 'index.html';
  if (rel === 'config.json') {
    res.writeHead(200, { ...headers, 'content-type': TYPES['.json']!, 'cache-control': 'no-store' }).end(JSON.stringify({ graphqlUrl: '/graphql' }));
    return true;
  }
  const file = normalize(join(dir, rel));
  if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
    const missing = existsSync(join(dir, 'index.html')) ? 'Not Found' : 'The console is not built: run npm run build:console';
    res.writeHead(404, { ...headers, 'content-type': TYPES['.txt']! }).end(missing);
    return true;
  }
  res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  return true;
}
