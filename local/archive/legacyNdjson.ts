import { readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ARCHIVE_FILE_SUFFIX, ARCHIVE_PREFIX } from '../../core/analytics/archive/files.js';
import { encodeArchiveFile } from '../../core/analytics/archive/parquet.js';
import type { ArchiveRecord } from '../../core/analytics/archive/record.js';
import { FolderArchiveFiles } from '../../core/analyticsEngine/archiveFiles.js';
import { walkFiles } from '../../core/platform/walkFiles.js';

/**
 * Rewrites a data dir's archive files from the JSON lines that earlier versions wrote (`<name>.ndjson`) as the
 * Parquet files the queries read now (`<name>.parquet`), so an upgraded `npm start` keeps its history. A file
 * with a line that does not parse is left as it was, and named in the result, rather than converted without it.
 *
 * @example
 * const { converted, kept } = await convertNdjsonArchive(join(dataDir, 'archive'));
 */
export async function convertNdjsonArchive(root: string): Promise<{ converted: number; kept: string[] }> {
  const files = new FolderArchiveFiles(root);
  const result = { converted: 0, kept: [] as string[] };
  for (const path of await walkFiles(join(root, ARCHIVE_PREFIX))) {
    if (!path.endsWith('.ndjson')) continue;
    let rows: Partial<ArchiveRecord>[];
    try {
      rows = (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Partial<ArchiveRecord>);
    } catch {
      result.kept.push(path);
      continue;
    }
    const key = relative(root, path).split(sep).join('/').replace(/\.ndjson$/, ARCHIVE_FILE_SUFFIX);
    await files.write(key, encodeArchiveFile(rows));
    await rm(path);
    result.converted++;
  }
  return result;
}
