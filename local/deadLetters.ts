import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  DEAD_LETTER_PREFIX,
  deadLetterKey,
  parseFailureDocument,
  REPLAYED_PREFIX,
  type FailureDocument,
} from '../core/deadLetters/document.js';
import type { DeadLetterSource } from '../core/deadLetters/replay.js';
import { localLog } from './log.js';

/** @deprecated the name of the document before it carried its records; see {@link FailureDocument}. */
export type OnFailureRecord = FailureDocument;

/**
 * The id the local runtime gives a function's event source mapping, in place of the UUID Lambda assigns: stable
 * across restarts, so a function's dead letters share a folder, as they share a key prefix in S3.
 */
export function localMappingId(functionName: string): string {
  const h = createHash('sha1').update(`opsgraph-local-mapping:${functionName}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function walk(dir: string): Promise<string[]> {
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
    if ((await stat(path)).isDirectory()) files.push(...(await walk(path)));
    else if (!name.startsWith('.')) files.push(path);
  }
  return files;
}

/**
 * The local on-failure destination, playing Lambda's S3 destination: one file per failed batch holding the very
 * document Lambda writes to S3 (metadata and, in `payload`, the invocation with the records' data), at the same
 * key under `<data dir>/dead-letters/` as Lambda uses in the bucket (`aws/lambda/<mapping id>/<shard>/YYYY/MM/DD/…`).
 * So `npm run dlq` reads both with one parser, and replays both the same way.
 *
 * A store made with a function name sees only that function's dead letters (its mapping id's prefix); without one
 * it sees the whole folder, as the dlq tool does.
 *
 * @example
 * const store = new DeadLetterStore('./.data/dead-letters', 'tagger');
 * await store.list() // this function's pending documents
 */
export class DeadLetterStore {
  constructor(
    readonly root: string,
    readonly functionName?: string,
  ) {}

  private get prefix(): string {
    return this.functionName ? `${DEAD_LETTER_PREFIX}${localMappingId(this.functionName)}/` : DEAD_LETTER_PREFIX;
  }

  private path(id: string): string {
    if (id.split('/').includes('..') || id.startsWith('/')) throw new Error(`bad dead-letter id ${id}`);
    return join(this.root, ...id.split('/'));
  }

  /** Writes a failed batch, as Lambda's S3 destination does; returns its id (the object key). */
  async put(doc: FailureDocument, at = new Date(doc.timestamp)): Promise<string> {
    const mapping = this.functionName ?? 'unknown';
    const id = deadLetterKey(localMappingId(mapping), doc.KinesisBatchInfo.shardId, at, randomUUID());
    const file = this.path(id);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(doc));
    localLog.error('dead-lettered', {
      condition: doc.requestContext.condition,
      records: doc.KinesisBatchInfo.batchSize,
      shardId: doc.KinesisBatchInfo.shardId,
      error: doc.responseContext?.functionError ?? 'not invoked',
      id,
    });
    return id;
  }

  /** Ids of pending dead letters, oldest first (keys sort by time within a shard; ties broken by key). */
  async ids(): Promise<string[]> {
    const files = await walk(this.path(this.prefix.replace(/\/$/, '')));
    const ids = files.map((f) => relative(this.root, f).split(sep).join('/'));
    const dated = await Promise.all(ids.map(async (id) => ({ id, at: (await stat(this.path(id))).mtimeMs })));
    return dated.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id)).map((d) => d.id);
  }

  /** The pending documents (what the mapping wrote and nobody replayed yet). */
  async list(): Promise<FailureDocument[]> {
    const docs: FailureDocument[] = [];
    for (const id of await this.ids()) docs.push(parseFailureDocument(await this.readText(id), id));
    return docs;
  }

  readText(id: string): Promise<string> {
    return readFile(this.path(id), 'utf8');
  }

  async markReplayed(id: string): Promise<string> {
    if (!id.startsWith(DEAD_LETTER_PREFIX)) throw new Error(`${id} is not a pending dead letter`);
    const target = `${REPLAYED_PREFIX}${id}`;
    await mkdir(dirname(this.path(target)), { recursive: true });
    await rename(this.path(id), this.path(target));
    return target;
  }

  /** As a {@link DeadLetterSource}: ids, not documents. */
  source(): DeadLetterSource {
    return { list: () => this.ids(), readText: (id) => this.readText(id), markReplayed: (id) => this.markReplayed(id) };
  }
}
