/**
 * `npm run replay`: replays the UCI Online Retail year (CC BY 4.0, Chen, Sain & Guo 2012, doi:10.24432/C5BW33)
 * through `POST /v1/events` of a running stack, or of an embedded one with `--embedded`. Progress goes to stderr,
 * one JSON summary line to stdout. Ctrl-C stops after the requests in flight; rerunning resumes from the
 * checkpoint (resends are harmless: event ids are deterministic).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack, type LocalStack } from '../../local/localStack.js';
import { DEFAULT_CSV, DEFAULT_MAX_PRODUCTS, ReplayError, runReplay } from './index.js';

const USAGE = `Usage: npm run replay -- [flags]

Replays ../shared/data/online_retail.csv.gz (UCI Online Retail, CC BY 4.0, doi:10.24432/C5BW33) as
identify / order_completed / order_refunded events through POST /v1/events, then waits for the tagger.

  --csv PATH               the data file (default ${DEFAULT_CSV})
  --url URL                a running stack (default http://127.0.0.1:$PORT or :4000)
  --api-key KEY            its API key (default $OPSGRAPH_API_KEY)
  --embedded               start a local stack for this run and stop it at the end
  --data-dir DIR           embedded: the stack's data dir (default: a temporary one, removed at the end);
                           otherwise where the checkpoint lives (default $OPSGRAPH_DATA_DIR or ./.data)
  --checkpoint PATH        checkpoint file (default <data dir>/replay-online-retail.checkpoint.json)
  --restart                ignore the checkpoint and send everything again
  --limit-customers N      only the first N customers by CustomerID (same as --slice 0:N)
  --slice A:B              only customers A..B-1 in CustomerID order
  --guests N|all|none      guest invoices to include (default: all, or none with a slice)
  --concurrency N          requests in flight (default 4)
  --max-products N         products kept per event (default ${DEFAULT_MAX_PRODUCTS}; revenue is always the full total)
  --no-wait                do not wait for the tagger to catch up
  --wait-timeout SECONDS   how long to wait for the tagger (default 600)
  --quiet                  no progress bar
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} needs a whole number, got "${text}"`);
  return n;
}

const { values } = parseArgs({
  options: {
    csv: { type: 'string' },
    url: { type: 'string' },
    'api-key': { type: 'string' },
    embedded: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    checkpoint: { type: 'string' },
    restart: { type: 'boolean', default: false },
    'limit-customers': { type: 'string' },
    slice: { type: 'string' },
    guests: { type: 'string' },
    concurrency: { type: 'string' },
    'max-products': { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
    'wait-timeout': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

let slice: { start: number; end: number } | undefined;
if (values.slice !== undefined) {
  const m = /^(\d+):(\d+)$/.exec(values.slice);
  if (!m || +m[2]! < +m[1]!) fail(`--slice needs A:B with A <= B, got "${values.slice}"`);
  slice = { start: +m[1]!, end: +m[2]! };
}
const limit = positiveInt('limit-customers', values['limit-customers']);
if (limit !== undefined) {
  if (slice) fail('give --limit-customers or --slice, not both');
  slice = { start: 0, end: limit };
}
let guests: number | 'all' | undefined;
if (values.guests !== undefined) {
  guests = values.guests === 'all' ? 'all' : values.guests === 'none' ? 0 : positiveInt('guests', values.guests);
}

const csvPath = resolve(values.csv ?? DEFAULT_CSV);
const controller = new AbortController();
let firstInterrupt = 0;
process.on('SIGINT', () => {
  // Apollo Server (the embedded gateway) stops itself on SIGINT and then raises SIGINT again, so one Ctrl-C can
  // arrive twice within milliseconds: only a second Ctrl-C a moment later means "quit now".
  if (firstInterrupt && Date.now() - firstInterrupt < 1000) return;
  if (firstInterrupt) {
    process.stderr.write('\nsecond Ctrl-C: exiting now (the checkpoint holds what was acknowledged)\n');
    process.exit(130);
  }
  firstInterrupt = Date.now();
  process.stderr.write('\nCtrl-C: finishing the requests in flight, then saving the checkpoint (Ctrl-C again to quit now)\n');
  controller.abort();
});

let stack: LocalStack | null = null;
let tempDir: string | null = null;
let url: string;
let apiKey: string;
let dataDir: string;
if (values.embedded) {
  if (values.url) fail('give --url or --embedded, not both');
  if (values['data-dir']) dataDir = resolve(values['data-dir']);
  else dataDir = tempDir = await mkdtemp(join(tmpdir(), 'opsgraph-replay-'));
  stack = await startLocalStack({ port: 0, dataDir, apiKey: values['api-key'] ?? process.env.OPSGRAPH_API_KEY });
  url = stack.url;
  apiKey = stack.apiKey;
  process.stderr.write(`embedded stack at ${stack.url} (data in ${dataDir})\n`);
} else {
  url = values.url ?? `http://127.0.0.1:${process.env.PORT ?? 4000}`;
  const key = values['api-key'] ?? process.env.OPSGRAPH_API_KEY;
  if (!key) fail('an API key is needed: --api-key KEY or OPSGRAPH_API_KEY (npm start prints the admin key)');
  apiKey = key;
  dataDir = resolve(values['data-dir'] ?? process.env.OPSGRAPH_DATA_DIR ?? './.data');
}
const checkpointPath = resolve(values.checkpoint ?? join(dataDir, 'replay-online-retail.checkpoint.json'));

let exitCode = 0;
try {
  const { summary } = await runReplay({
    csvPath,
    slice,
    guests,
    maxProducts: positiveInt('max-products', values['max-products']),
    url,
    apiKey,
    concurrency: positiveInt('concurrency', values.concurrency),
    checkpointPath,
    restart: values.restart,
    progress: !values.quiet,
    signal: controller.signal,
    wait: !values['no-wait'],
    waitTimeoutMs: (positiveInt('wait-timeout', values['wait-timeout']) ?? 600) * 1000,
    onPlan: (plan) =>
      process.stderr.write(
        `planned ${plan.events.length} events: ${plan.stats.identifies} identify, ${plan.stats.orders} order_completed, ` +
          `${plan.stats.refunds} order_refunded (${plan.stats.customers} customers, ${plan.stats.guestInvoices} guest invoices; ` +
          `${plan.stats.skippedZeroTotal} zero-total customer invoices skipped, ${plan.stats.rejectedRows} unreadable rows)\n`,
      ),
  });
  if (stack) {
    const letters = (await stack.deadLetters.get('tagger')?.list()) ?? [];
    Object.assign(summary, { dead_letters: letters.length });
  }
  process.stdout.write(JSON.stringify({ ...summary, checkpoint: checkpointPath }) + '\n');
  if (summary.interrupted) exitCode = 130;
  else if (summary.rejected > 0) exitCode = 1;
} catch (err) {
  process.stderr.write(`\nreplay failed: ${err instanceof ReplayError ? err.message : (err as Error).stack ?? String(err)}\n`);
  process.stderr.write(`the checkpoint (${checkpointPath}) keeps what was acknowledged; rerun to resume\n`);
  exitCode = 1;
} finally {
  if (stack) await stack.close();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
}
process.exit(exitCode);
