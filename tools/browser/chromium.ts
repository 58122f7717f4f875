import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs the `chromium` package); Playwright never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium with no background networking, so the only connections it makes are the page's own
 * (this machine's network is closed, and the console's tests and benchmark must not leave it anyway).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Raw and gzipped bytes of every script and stylesheet of a built console (console/dist). */
export function bundleSizes(dir: string): Record<string, { bytes: number; gzipBytes: number }> {
  const sizes: Record<string, { bytes: number; gzipBytes: number }> = {};
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(js|css)$/.test(f)).sort()) {
    const content = readFileSync(join(dir, file));
    sizes[file] = { bytes: content.length, gzipBytes: gzipSync(content).length };
  }
  return sizes;
}
