import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { baseCommit, interleave, lastJsonLine, median, REPO, withBaseTree } from './ab.js';
import { arg, bundleAsDeployed, report } from './support.js';

/**
 * Interleaved A/B of the profile engine's compute throughput: this tree's `bench/engine-compute.ts` against the
 * same file at another commit (default `HEAD~1`), each bundled as the tagger Lambda is (esbuild, minified ESM) and
 * run in fresh processes, alternating A B A B …, so the noise of a busy 2-core machine falls on both sides alike.
 * Prints each run and the medians with their ratio.
 *
 *   npm run bench:engine-ab [-- --base <commit> --runs 6 --events 200000]
 */
const base = baseCommit();
const runs = arg('runs', 6);
const events = arg('events', 200_000);

await withBaseTree(base, async (baseTree, work) => {
  const bundle = async (root: string, name: string) => {
    const outfile = join(work, `${name}.mjs`);
    await bundleAsDeployed(join(root, 'bench', 'engine-compute.ts'), outfile);
    return outfile;
  };
  const sides = { base: await bundle(baseTree, 'base'), head: await bundle(REPO, 'head') };
  const results = interleave(runs, (side, run) => {
    const out = execFileSync(process.execPath, [sides[side], '--events', String(events)], { encoding: 'utf8' });
    const rps = lastJsonLine<{ records_per_second: number }>(out).records_per_second;
    console.log(JSON.stringify({ bench: 'engine_ab_run', side, run, records_per_second: rps }));
    return rps;
  });
  report({
    bench: 'engine_ab',
    base,
    runs,
    events,
    base_median: Math.round(median(results.base)),
    head_median: Math.round(median(results.head)),
    ratio_head_to_base: Number((median(results.head) / median(results.base)).toFixed(3)),
    base_runs: results.base,
    head_runs: results.head,
  });
});
