import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { walkFiles } from '../platform/walkFiles.js';
import { dirname, join, relative, sep } from 'node:path';
import { DEAD_LETTER_PREFIX, REPLAYED_PREFIX } from './document.js';
import type { DeadLetterSource } from './replay.js';

/**
 * Dead letters in a folder laid out as the stage's bucket (`aws/lambda/…`, `replayed/…`): the local runtime's
 * on-failure destination (local/deadLetters.ts writes it), read by `npm run dlq` and by erasure. Ids are the
 * relative paths, which are the S3 keys.
 *
 * @example
 * const source = new FileDeadLetterSource('./.data/dead-letters');
 */
export class FileDeadLetterSource implements DeadLetterSource {
  constructor(
    readonly root: string,
    /** Only ids under this prefix are listed as pending (a function's mapping folder); default every function's. */
    readonly prefix: string = DEAD_LETTER_PREFIX,
  ) {}

  path(id: string): string {
    if (id.split('/').includes('..') || id.startsWith('/')) throw new Error(`bad dead-letter id ${id}`);
    return join(this.root, ...id.split('/'));
  }

  private async under(prefix: string): Promise<string[]> {
    const files = await walkFiles(this.path(prefix.replace(/\/$/, '')));
    const ids = files.map((f) => relative(this.root, f).split(sep).join('/'));
    const dated = await Promise.all(ids.map(async (id) => ({ id, at: (await stat(this.path(id))).mtimeMs })));
    return dated.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id)).map((d) => d.id);
  }

  /** Ids of pending dead letters, oldest first (keys sort by time within a shard; ties broken by key). */
  list(): Promise<string[]> {
    return this.under(this.prefix);
  }

  async listAll(): Promise<string[]> {
    return [...(await this.under(DEAD_LETTER_PREFIX)), ...(await this.under(REPLAYED_PREFIX))];
  }

  readText(id: string): Promise<string> {
    return readFile(this.path(id), 'utf8');
  }

  async writeText(id: string, text: string): Promise<void> {
    await mkdir(dirname(this.path(id)), { recursive: true });
    await writeFile(this.path(id), text);
  }

  async remove(id: string): Promise<void> {
    await rm(this.path(id), { force: true });
  }

  async markReplayed(id: string): Promise<string> {
    if (!id.startsWith(DEAD_LETTER_PREFIX)) throw new Error(`${id} is not a pending dead letter`);
    const target = `${REPLAYED_PREFIX}${id}`;
    await mkdir(dirname(this.path(target)), { recursive: true });
    await rename(this.path(id), this.path(target));
    return target;
  }
}
