/**
 * A documented generator of synthetic transaction logs, used to show the churn recipe generalises beyond the one
 * real file on this machine. Customers follow BG/NBD-style "buy till you die" dynamics with two twists that make a
 * pure BG/NBD model imperfect, as real shoppers are:
 *
 * - acquisition: first purchases spread uniformly over the first 70% of the period;
 * - purchase timing: half the customers buy as a Poisson process with rate λ ~ Gamma(r, α) per day, the other half
 *   with regular Erlang-3 gaps of the same mean (so "overdue" carries information);
 * - dropout: after each purchase the customer leaves for good with probability p ~ Beta(a, b);
 * - money: order value ~ Gamma(2, μ/2) with μ = customer mean, log-normal across customers and mildly higher for
 *   frequent buyers; each order is written as 1–4 line items (quantity × unit price);
 * - cancellations: 3% of orders are followed, 0–14 days later, by an invoice `C<id>` with negative quantities;
 * - 10% of rows are guest checkouts with an empty customer id.
 */
import { marsagliaTsang } from '../../core/experiments/random.js';
import { mulberry32 } from './random.js';

export interface SyntheticOptions {
  customers: number;
  seed: number;
  /** ISO date of the first day and number of days covered. */
  start: string;
  days: number;
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  customers: 6000, seed: 7, start: '2022-01-01', days: 730, r: 0.8, alpha: 40, a: 1, b: 4,
};

function gammaSample(rand: () => number, shape: number, scale: number): number {
  // Marsaglia–Tsang, with the shape < 1 boost.
  if (shape < 1) return gammaSample(rand, shape + 1, scale) * Math.pow(rand(), 1 / shape);
  return marsagliaTsang(shape, () => normal(rand), rand) * scale;
}

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function betaSample(rand: () => number, a: number, b: number): number {
  const x = gammaSample(rand, a, 1);
  return x / (x + gammaSample(rand, b, 1));
}

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * Generates CSV lines (header first) with columns `order_id,customer_id,timestamp,quantity,unit_price,country`,
 * sorted by time. Same options, same bytes.
 *
 * @example
 * ```ts
 * const lines = generateSyntheticLog({ ...SYNTHETIC_DEFAULTS, customers: 100 });
 * lines[0]; // 'order_id,customer_id,timestamp,quantity,unit_price,country'
 * ```
 */
export function generateSyntheticLog(opts: SyntheticOptions): string[] {
  const rand = mulberry32(opts.seed);
  const start = Date.parse(`${opts.start}T00:00:00Z`);
  const end = start + opts.days * 86_400_000;
  const events: { at: number; lines: string[] }[] = [];
  const countries = ['Atlantis', 'Borduria', 'Freedonia', 'Genovia'];
  let invoice = 100000;
  for (let c = 0; c < opts.customers; c++) {
    const id = String(50000 + c);
    const country = countries[Math.floor(rand() * rand() * countries.length)];
    const lambda = gammaSample(rand, opts.r, 1 / opts.alpha);
    const p = betaSample(rand, opts.a, opts.b);
    const regular = rand() < 0.5;
    const meanValue = Math.exp(3 + 0.8 * normal(rand)) * (1 + Math.min(3, lambda * 20));
    let t = start + rand() * 0.7 * (end - start);
    for (;;) {
      if (t >= end) break;
      const inv = invoice++;
      const value = gammaSample(rand, 2, meanValue / 2);
      const items = 1 + Math.floor(rand() * 4);
      const guest = rand() < 0.1;
      const lines: string[] = [];
      const itemLines: { qty: number; price: number }[] = [];
      for (let k = 0; k < items; k++) {
        const qty = 1 + Math.floor(rand() * 6);
        const price = Math.max(0.01, Math.round((value / items / qty) * 100) / 100);
        itemLines.push({ qty, price });
        lines.push(`${inv},${guest ? '' : id},${stamp(t)},${qty},${price.toFixed(2)},${country}`);
      }
      events.push({ at: t, lines });
      if (!guest && rand() < 0.03) {
        const at = t + rand() * 14 * 86_400_000;
        if (at < end) events.push({ at, lines: itemLines.map((l) => `C${inv},${id},${stamp(at)},${-l.qty},${l.price.toFixed(2)},${country}`) });
      }
      if (rand() < p) break; // dropout after a purchase
      const gap = regular ? gammaSample(rand, 3, 1 / (3 * lambda)) : gammaSample(rand, 1, 1 / lambda);
      t += Math.max(1, gap) * 86_400_000 * (0.9 + 0.2 * rand());
    }
  }
  events.sort((x, y) => x.at - y.at);
  return ['order_id,customer_id,timestamp,quantity,unit_price,country', ...events.flatMap((e) => e.lines)];
}
