/**
 * Where the UCI Online Retail file (Chen, Sain & Guo 2012, doi:10.24432/C5BW33, CC BY 4.0) lives: the shared copy
 * beside the repository, `../shared/data/online_retail.csv.gz`, read at run time and never copied in. Every tool
 * (churn training, the replay, the benchmarks) and every test reads it through this one definition.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in `tools/data/`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The data set's path relative to the repository root, as artifacts record it. */
export const ONLINE_RETAIL_LABEL = '../shared/data/online_retail.csv.gz';

/** Absolute path of the shared Online Retail file. */
export const ONLINE_RETAIL_CSV = resolve(REPO_ROOT, ONLINE_RETAIL_LABEL);
