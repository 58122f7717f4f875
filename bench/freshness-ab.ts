import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { baseCommit, compare, interleave, lastJsonLine, REPO, withBaseTree } from './ab.js';
import { arg, report } from './support.js';

/**
 * Interleaved A/B of freshness (`bench/freshness.ts`, ingest accepted → tag visible through GraphQL): this tree's
 * whole local stack against another commit's, each run in a fresh process, alternating, and the medians of each
 * side's p50, p99, and CPU per event of the main process and of the storage servers' process, with their
 * ratios. Freshness on this 2-core machine depends on how busy it is, so only a side-by-side run says whether a
 * change moved it. Both sides run this tree's load generator and watcher (`--stack` picks whose local stack it
 * starts), so only the stack differs.
 *
 *   npm run bench:freshness-ab [-- --base <commit> --runs 4 --rate 100 --events 1500 --warmup 10]
 */
const base = baseCommit();
const runs = arg('runs', 4);
const rate = arg('rate', 100);
const events = arg('events', 1500);
const warmup = arg('warmup', 10);

interface Freshness { p50_ms: number; p99_ms: number; achieved_rate_per_s: number; cpu_ms_per_event: number; storage_cpu_ms_per_event: number }

await withBaseTree(base, async (baseTree) => {
  const trees = { base: baseTree, head: REPO };
  const results = interleave(runs, (side, run) => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(REPO, 'bench', 'freshness.ts'), '--stack', trees[side], '--rate', String(rate), '--events', String(events), '--warmup', String(warmup)],
      { cwd: trees[side], encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const r = lastJsonLine<Freshness>(out);
    console.log(JSON.stringify({ bench: 'freshness_ab_run', side, run, p50_ms: r.p50_ms, p99_ms: r.p99_ms, achieved_rate_per_s: r.achieved_rate_per_s, cpu_ms_per_event: r.cpu_ms_per_event, storage_cpu_ms_per_event: r.storage_cpu_ms_per_event }));
    return r;
  });
  const p50 = compare(results, 'p50_ms');
  const p99 = compare(results, 'p99_ms');
  const cpu = compare(results, 'cpu_ms_per_event');
  const storageCpu = compare(results, 'storage_cpu_ms_per_event');
  report({
    bench: 'freshness_ab',
    base,
    runs,
    rate_per_s: rate,
    events,
    base_p50_ms: p50.base,
    head_p50_ms: p50.head,
    ratio_p50_head_to_base: p50.ratio,
    base_p99_ms: p99.base,
    head_p99_ms: p99.head,
    ratio_p99_head_to_base: p99.ratio,
    base_cpu_ms_per_event: cpu.base,
    head_cpu_ms_per_event: cpu.head,
    ratio_cpu_head_to_base: cpu.ratio,
    base_storage_cpu_ms_per_event: storageCpu.base,
    head_storage_cpu_ms_per_event: storageCpu.head,
    ratio_storage_cpu_head_to_base: storageCpu.ratio,
  });
});
