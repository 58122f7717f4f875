import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { baseCommit, compare, interleave, lastJsonLine, REPO, withBaseTree } from './ab.js';
import { arg, bundleAsDeployed, report } from './support.js';

/**
 * Interleaved A/B of the profile engine's compute throughput: this tree's `bench/engine-compute.ts` against the
 * same file at another commit (default `HEAD~1`), each bundled as the tagger Lambda is (esbuild, minified ESM) and
 * run in fresh processes, alternating A B A B …, so the noise of a busy 2-core machine falls on both sides alike.
 * Prints each run and the medians with their ratio, of throughput and of CPU time per record.
 *
 *   npm run bench:engine-ab [-- --base <commit> --runs 6 --events 200000]
 */
const base = baseCommit();
/** Prints the process's CPU time when it exits, measured the same way on both sides (an older base's bench may not
 * report CPU itself). It includes start-up and the workload's generation, alike on both sides. */
const CPU_AT_EXIT = `data:text/javascript,process.on('exit',()=>{const c=process.cpuUsage();console.log(JSON.stringify({cpu_us:c.user+c.system}))})`;
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
    const out = execFileSync(process.execPath, ['--import', CPU_AT_EXIT, sides[side], '--events', String(events)], { encoding: 'utf8' });
    const lines = out.trim().split('\n');
    const { records_per_second } = lastJsonLine<{ records_per_second: number }>(lines.slice(0, -1).join('\n'));
    const cpu_microseconds_per_record = Math.round((lastJsonLine<{ cpu_us: number }>(out).cpu_us / events) * 10) / 10;
    const r = { records_per_second, cpu_microseconds_per_record };
    console.log(JSON.stringify({ bench: 'engine_ab_run', side, run, ...r }));
    return r;
  });
  const throughput = compare(results, 'records_per_second');
  // CPU time per record (whole process) moves less than wall-clock throughput when the machine is busy or its host
  // steals time.
  const cpu = compare(results, 'cpu_microseconds_per_record');
  report({
    bench: 'engine_ab',
    base,
    runs,
    events,
    base_median: Math.round(throughput.base),
    head_median: Math.round(throughput.head),
    ratio_head_to_base: throughput.ratio,
    base_cpu_us_per_record_median: cpu.base,
    head_cpu_us_per_record_median: cpu.head,
    ratio_cpu_head_to_base: cpu.ratio,
    base_runs: results.base.map((r) => r.records_per_second),
    head_runs: results.head.map((r) => r.records_per_second),
  });
});
