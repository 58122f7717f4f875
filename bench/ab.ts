import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Side-by-side runs of this tree against another commit, for the A/B benchmarks: the base commit is checked out
 * in a temporary worktree, and runs alternate A B, B A, … so the noise of a busy 2-core machine falls on both
 * sides alike.
 */

export const REPO = resolve(import.meta.dirname, '..');

export type Side = 'base' | 'head';

export function baseCommit(fallback = 'HEAD~1'): string {
  const i = process.argv.indexOf('--base');
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/**
 * Runs `fn` with a worktree of `base` and a scratch folder, removed afterwards. The base shares this tree's
 * installed packages when its lockfile is the same; otherwise it gets its own `npm ci`, so a base from before a
 * dependency change still runs.
 */
export async function withBaseTree<T>(base: string, fn: (baseTree: string, work: string) => Promise<T>): Promise<T> {
  const work = await mkdtemp(join(tmpdir(), 'opsgraph-ab-'));
  const baseTree = join(work, 'base');
  execFileSync('git', ['-C', REPO, 'worktree', 'add', '--detach', baseTree, base], { stdio: 'ignore' });
  try {
    const lock = (root: string) => (existsSync(join(root, 'package-lock.json')) ? readFileSync(join(root, 'package-lock.json'), 'utf8') : '');
    if (lock(baseTree) === lock(REPO)) await symlink(join(REPO, 'node_modules'), join(baseTree, 'node_modules'));
    else execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: baseTree, stdio: 'ignore' });
    return await fn(baseTree, work);
  } finally {
    execFileSync('git', ['-C', REPO, 'worktree', 'remove', '--force', baseTree], { stdio: 'ignore' });
    await rm(work, { recursive: true, force: true });
  }
}

/** `runs` rounds of both sides, the order alternating each round; returns each side's results in run order. */
export function interleave<R>(runs: number, runOne: (side: Side, run: number) => R): Record<Side, R[]> {
  const results: Record<Side, R[]> = { base: [], head: [] };
  for (let r = 0; r < runs; r++) {
    for (const side of r % 2 === 0 ? (['base', 'head'] as const) : (['head', 'base'] as const)) results[side].push(runOne(side, r));
  }
  return results;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The medians of `key` on each side and their ratio, head to base (below 1: head is lower). */
export function compare<K extends string>(results: Record<Side, Array<Record<K, number>>>, key: K): { base: number; head: number; ratio: number } {
  const base = median(results.base.map((r) => r[key]));
  const head = median(results.head.map((r) => r[key]));
  return { base, head, ratio: Number((head / base).toFixed(3)) };
}

/** The last JSON line of a bench's output, parsed (the one-JSON-line convention of `bench/support.ts`). */
export function lastJsonLine<T>(out: string): T {
  // The stack's own log lines share stdout with the bench's JSON lines.
  const line = out.trim().split('\n').findLast((l) => l.startsWith('{'));
  if (!line) throw new Error(`no JSON line in the run's output: ${out.slice(-500)}`);
  return JSON.parse(line) as T;
}
