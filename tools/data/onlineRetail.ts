/**
 * Where the UCI Online Retail file (Chen, Sain & Guo 2012, doi:10.24432/C5BW33, CC BY 4.0) lives: the shared copy
 * beside the repository, `../shared/data/online_retail.csv.gz`. A git worktree nested deeper (for example
 * `wt/<name>/`) finds the same copy further up, so every tool (churn training, the replay, the benchmarks) and
 * every test reads one file from one definition.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in `tools/data/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The data set's path relative to the repository root, as artifacts record it. */
export const ONLINE_RETAIL_LABEL = '../shared/data/online_retail.csv.gz';

function findShared(): string {
  const documented = resolve(REPO_ROOT, ONLINE_RETAIL_LABEL);
  if (existsSync(documented)) return documented;
  for (let dir = resolve(REPO_ROOT, '..'); ; dir = dirname(dir)) {
    const candidate = resolve(dir, 'shared/data/online_retail.csv.gz');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return documented;
  }
}

/** Absolute path of the shared Online Retail file (the documented place when no copy is found). */
export const ONLINE_RETAIL_CSV = findShared();
