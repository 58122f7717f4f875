import { filesNaming, type ArchiveFiles } from './files.js';
import { encodeArchiveFile } from './parquet.js';

/**
 * Removes a person's rows from every archive file: a file left empty is deleted, any other rewritten with the
 * rest. Returns the rows removed. Idempotent: a rerun finds nothing more.
 *
 * @example
 * await eraseFromArchive(files, ['u1', 'anon:v1']) // 12
 */
export async function eraseFromArchive(files: ArchiveFiles, profileIds: readonly string[]): Promise<number> {
  const ids = new Set(profileIds);
  let removed = 0;
  for await (const { key, theirs, rest } of filesNaming(files, ids)) {
    removed += theirs.length;
    if (rest.length === 0) await files.remove(key);
    else await files.write(key, encodeArchiveFile(rest));
  }
  return removed;
}
