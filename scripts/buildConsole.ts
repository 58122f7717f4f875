import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleSizes } from '../tools/browser/chromium.js';

/**
 * `npm run build:console`: bundles the ops console (console/src) into console/dist at build time, so nothing is
 * fetched from a CDN at run time. The local stack serves the folder at /console; on AWS, CloudFront does
 * (infra/constructs/console-site.ts). Prints the bundle's sizes, raw and gzipped.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONSOLE_DIST = join(ROOT, 'console', 'dist');

export async function buildConsole(outdir = CONSOLE_DIST): Promise<Record<string, { bytes: number; gzipBytes: number }>> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { app: join(ROOT, 'console', 'src', 'main.tsx') },
    outdir,
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    target: 'es2022',
    jsx: 'automatic',
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  copyFileSync(join(ROOT, 'console', 'index.html'), join(outdir, 'index.html'));
  return bundleSizes(outdir);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildConsole();
  for (const [file, s] of Object.entries(sizes)) console.log(`${file}: ${(s.bytes / 1024).toFixed(1)} kB, ${(s.gzipBytes / 1024).toFixed(1)} kB gzipped`);
}
