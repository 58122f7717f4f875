/**
 * Cross-origin access for browsers (Segment's analytics.js, the console on another origin), one policy for both
 * runtimes: API Gateway's CORS configuration on AWS (infra/constructs/http-api.ts), the local server's own answers
 * locally (local/httpServer.ts). Which origins a stage allows is stage data (`corsOrigins`); a key can narrow
 * that to its own (`allowedOrigins`, core/auth/admit.ts).
 */
export const CORS = {
  methods: ['GET', 'POST', 'OPTIONS'],
  headers: ['content-type', 'content-encoding', 'authorization', 'x-api-key'],
  exposeHeaders: ['retry-after'],
  maxAgeSeconds: 600,
} as const;

/**
 * The `Access-Control-*` headers for a request from `origin` under a stage's allowed origins (`*`: any); empty when
 * the origin is not allowed or the request names none.
 *
 * @example
 * corsHeaders('https://shop.example', ['https://shop.example']) // { 'access-control-allow-origin': 'https://shop.example', … }
 */
export function corsHeaders(origin: string | undefined, allowed: readonly string[]): Record<string, string> {
  if (!origin || !(allowed.includes('*') || allowed.includes(origin))) return {};
  return {
    'access-control-allow-origin': allowed.includes('*') ? '*' : origin,
    'access-control-expose-headers': CORS.exposeHeaders.join(', '),
    ...(allowed.includes('*') ? {} : { vary: 'origin' }),
  };
}

/** The preflight answer's extra headers. */
export const preflightHeaders = {
  'access-control-allow-methods': CORS.methods.join(', '),
  'access-control-allow-headers': CORS.headers.join(', '),
  'access-control-max-age': String(CORS.maxAgeSeconds),
};

/** Whether a string is an origin: scheme, host and optional port, nothing else. */
export const isOrigin = (s: string) => /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(s);
