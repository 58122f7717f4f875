/**
 * Writes a synthetic transactions CSV (see tools/churn-training/synthetic.ts for the generative story) to test that
 * the churn recipe generalises:
 *
 *   npx tsx tools/churn-training/cli/synth.ts --out /tmp/synthetic.csv.gz [--customers 6000] [--seed 7]
 *   npx tsx tools/churn-training/cli/eval.ts --csv /tmp/synthetic.csv.gz --user-col customer_id --time-col timestamp \
 *     --order-col order_id --qty-col quantity --price-col unit_price
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { generateSyntheticLog, SYNTHETIC_DEFAULTS } from '../synthetic.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' }, customers: { type: 'string' }, seed: { type: 'string' }, start: { type: 'string' }, days: { type: 'string' },
  },
});
if (!values.out) {
  process.stderr.write('usage: npx tsx tools/churn-training/cli/synth.ts --out PATH[.gz] [--customers N] [--seed S] [--start YYYY-MM-DD] [--days N]\n');
  process.exit(2);
}
const opts = {
  ...SYNTHETIC_DEFAULTS,
  ...(values.customers ? { customers: Number(values.customers) } : {}),
  ...(values.seed ? { seed: Number(values.seed) } : {}),
  ...(values.start ? { start: values.start } : {}),
  ...(values.days ? { days: Number(values.days) } : {}),
};
const text = `${generateSyntheticLog(opts).join('\n')}\n`;
await writeFile(values.out, values.out.endsWith('.gz') ? gzipSync(text) : text);
process.stderr.write(`wrote ${values.out} (${JSON.stringify(opts)})\n`);
