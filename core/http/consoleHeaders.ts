/**
 * The security headers the console is served with, locally (local/consoleSite.ts) and by CloudFront
 * (infra/constructs/console-site.ts): scripts and styles only from the site itself, so no CDN asset can run, and
 * API calls only to the site and the API. ECharts and React Flow set inline styles, hence `'unsafe-inline'` for
 * styles only.
 */
export function consoleContentSecurityPolicy(apiOrigin?: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${apiOrigin ? ` ${apiOrigin}` : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}
