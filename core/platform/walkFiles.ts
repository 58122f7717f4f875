import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file under `dir`, depth first, hidden files (a writer's `.tmp`) and files removed meanwhile left out; `[]`
 * when `dir` does not exist.
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
    if (name.startsWith('.')) continue; // a writer's temporary file, renamed or gone any moment
    const path = join(dir, name);
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed since the listing
      throw err;
    }
    if (isDirectory) files.push(...(await walkFiles(path)));
    else files.push(path);
  }
  return files;
}
