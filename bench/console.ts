/**
 * The ops console's speed, in a real browser (Debian's Chromium) against the embedded stack: how long the first
 * view (the overview) takes to be interactive with its data, from navigation start, over fresh browser contexts
 * (nothing cached), as median and p90; and the bundle's size, raw and gzipped, in all and for the first view.
 * "Interactive" is when the overview's figures are drawn from the API's answers: the active-user KPIs and the
 * orders total show numbers, and the charts are in the page.
 *
 *   npm run bench:console [-- --rounds 15]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLocalStack } from '../local/localStack.js';
import { bundleSizes, launchChromium } from '../tools/browser/chromium.js';
import { arg, percentile, report } from './support.js';

const rounds = arg('rounds', 15);
const dist = resolve('console', 'dist');
const sizes = bundleSizes(dist);
const kB = (n: number) => Math.round(n / 102.4) / 10;
const total = Object.values(sizes).reduce((a, s) => ({ bytes: a.bytes + s.bytes, gzipBytes: a.gzipBytes + s.gzipBytes }), { bytes: 0, gzipBytes: 0 });

const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-console-'));
const stack = await startLocalStack({ port: 0, dataDir });
const browser = await launchChromium();
try {
  // A month of a few hundred users' orders, so the charts have something to draw.
  const events = [];
  for (let i = 0; i < 300; i++) {
    const at = new Date(Date.now() - (i % 30) * 86_400_000 - 60_000).toISOString();
    events.push({ type: 'track', event: 'order_completed', userId: `b-${i}`, timestamp: at, properties: { orderId: `o-${i}`, revenue: 10 + (i % 50), currency: 'GBP' }, context: { channel: i % 2 ? 'web' : 'app', country: 'GB' } });
  }
  for (let i = 0; i < events.length; i += 100) {
    const r = await fetch(stack.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey }, body: JSON.stringify({ events: events.slice(i, i + 100) }) });
    if (r.status !== 200) throw new Error(`ingest: ${r.status}`);
  }
  await new Promise((r) => setTimeout(r, 3000));

  const times: number[] = [];
  // Where the time goes: the last script loaded, and the last GraphQL answer of the first view.
  const scriptsDone: number[] = [];
  const apiDone: number[] = [];
  const firstViewFiles = new Set<string>();
  for (let round = 0; round < rounds + 1; round++) {
    const context = await browser.newContext();
    await context.addInitScript((token) => sessionStorage.setItem('opsgraph.token', token), stack.apiKey);
    const page = await context.newPage();
    page.on('request', (req) => firstViewFiles.add(new URL(req.url()).pathname));
    await page.goto(`${stack.url}/console/#/overview`);
    const ms = await page.waitForFunction(
      () => {
        const orders = document.querySelector('[data-testid=total-ORDERS]')?.textContent;
        const dau = document.querySelector('[data-testid=kpi-mau] .kpi-value')?.textContent;
        return orders && orders !== '0' && dau && dau !== '0' && document.querySelectorAll('.chart svg').length >= 4 ? performance.now() : null;
      },
      undefined,
      { polling: 'raf', timeout: 30_000 },
    );
    // A string, so tsx's helpers (`__name`) do not end up in the page.
    const split = (await page.evaluate(`(() => {
      const res = performance.getEntriesByType('resource');
      const last = (suffix) => Math.max(0, ...res.filter((r) => r.name.endsWith(suffix)).map((r) => r.responseEnd));
      return { scripts: last('.js'), api: last('/graphql') };
    })()`)) as { scripts: number; api: number };
    if (round > 0) {
      // Round 0 warms the stack, not the browser: every round's context is fresh.
      times.push((await ms.jsonValue()) as number);
      scriptsDone.push(split.scripts);
      apiDone.push(split.api);
    }
    await context.close();
  }
  for (const xs of [times, scriptsDone, apiDone]) xs.sort((a, b) => a - b);
  const firstView = Object.entries(sizes).filter(([file]) => firstViewFiles.has(`/console/${file}`));
  report({ figure: 'console_first_view_interactive_ms', rounds, median: Math.round(percentile(times, 50)), p90: Math.round(percentile(times, 90)), target: 1500, scripts_loaded_median: Math.round(percentile(scriptsDone, 50)), last_api_answer_median: Math.round(percentile(apiDone, 50)) });
  report({ figure: 'console_bundle_kB', all_raw: kB(total.bytes), all_gzip: kB(total.gzipBytes), first_view_gzip: kB(firstView.reduce((a, [, s]) => a + s.gzipBytes, 0)), files: firstView.map(([f]) => f) });
} finally {
  await browser.close();
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
}
