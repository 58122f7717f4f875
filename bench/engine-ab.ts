import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { arg, bundleAsDeployed, report } from './support.js';

/**
 * Interleaved A/B of the profile engine's compute throughput: this tree's `bench/engine-compute.ts` against the
 * same file at another commit (default `HEAD~1`), each bundled as the tagger Lambda is (esbuild, minified ESM) and
 * run in fresh processes, alternating A B A B …, so the noise of a busy 2-core machine falls on both sides alike.
 * Prints each run and the medians with their ratio.
 *
 *   npm run bench:engine-ab [-- --base <commit> --runs 6 --events 200000]
 */
const base = process.argv.includes('--base') ? process.argv[process.argv.indexOf('--base') + 1]! : 'HEAD~1';
const runs = arg('runs', 6);
const events = arg('events', 200_000);
const repo = resolve(import.meta.dirname, '..');

const work = await mkdtemp(join(tmpdir(), 'opsgraph-engine-ab-'));
const baseTree = join(work, 'base');
execFileSync('git', ['-C', repo, 'worktree', 'add', '--detach', baseTree, base], { stdio: 'ignore' });
try {
  // The base tree shares this tree's installed packages: the bench compares code, not dependencies.
  await symlink(join(repo, 'node_modules'), join(baseTree, 'node_modules'));
  const bundle = async (root: string, name: string) => {
    const outfile = join(work, `${name}.mjs`);
    await bundleAsDeployed(join(root, 'bench', 'engine-compute.ts'), outfile);
    return outfile;
  };
  const sides = { base: await bundle(baseTree, 'base'), head: await bundle(repo, 'head') };
  const results: Record<keyof typeof sides, number[]> = { base: [], head: [] };
  for (let r = 0; r < runs; r++) {
    for (const side of r % 2 === 0 ? (['base', 'head'] as const) : (['head', 'base'] as const)) {
      const out = execFileSync(process.execPath, [sides[side], '--events', String(events)], { encoding: 'utf8' });
      const rps = (JSON.parse(out.trim().split('\n').at(-1)!) as { records_per_second: number }).records_per_second;
      results[side].push(rps);
      console.log(JSON.stringify({ bench: 'engine_ab_run', side, run: r, records_per_second: rps }));
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
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
} finally {
  execFileSync('git', ['-C', repo, 'worktree', 'remove', '--force', baseTree], { stdio: 'ignore' });
  await rm(work, { recursive: true, force: true });
}
