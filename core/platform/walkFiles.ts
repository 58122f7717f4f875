import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file under `dir`, depth first, hidden files (a writer's `.tmp`) left out; `[]` when `dir` does not exist.
 *
 * @example
 * await walkFiles('./.data/dead-letters') // ['/…/dead-letters/aws/lambda/…', …]
 */
export async function walkFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) files.push(...(await walkFiles(path)));
    else if (!name.startsWith('.')) files.push(path);
  }
  return files;
}
