/**
 * The archive's files on both stores: the data-dir folder, and S3 as on AWS against s3rver, a local S3 stand-in
 * from npm. Erasure and export work on them the same way; Athena itself is not exercised here.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { eraseFromArchive } from '../../core/analytics/archive/erase.js';
import { archivedEventsOf, archiveFileKey, readArchiveFile, type ArchiveFiles } from '../../core/analytics/archive/files.js';
import { encodeArchiveFile } from '../../core/analytics/archive/parquet.js';
import { toArchiveRecord } from '../../core/analytics/archive/record.js';
import { FolderArchiveFiles } from '../../core/analyticsEngine/archiveFiles.js';
import { S3ArchiveFiles } from '../../core/analyticsEngine/s3ArchiveFiles.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { convertNdjsonArchive } from '../../local/archive/legacyNdjson.js';

const BUCKET = 'opsgraph-test-archive';
let server: S3rver;
let dir: string;
let s3: S3Client;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsgraph-archive-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir, 's3') });
  const { port } = await server.run();
  s3 = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
after(async () => {
  s3.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const event = (eventId: string, who: { userId?: string; anonymousId?: string }, timestamp: string): StoredEvent =>
  ({ type: 'track', event: 'login', eventId, timestamp, properties: {}, ...who }) as StoredEvent;

/** Two files: u1's events (one as visitor v1, one copy redelivered), and u2's. */
async function fill(files: ArchiveFiles): Promise<void> {
  await files.write(
    archiveFileKey('2026-11-01', 'shardId-000000000000-1'),
    encodeArchiveFile([
      toArchiveRecord(event('e1', { anonymousId: 'v1' }, '2026-11-01T10:00:00Z')),
      toArchiveRecord(event('e2', { userId: 'u1' }, '2026-11-01T11:00:00Z')),
      toArchiveRecord(event('e3', { userId: 'u2' }, '2026-11-01T12:00:00Z')),
    ]),
  );
  await files.write(
    archiveFileKey('2026-11-02', 'shardId-000000000000-9'),
    encodeArchiveFile([toArchiveRecord(event('e2', { userId: 'u1' }, '2026-11-01T11:00:00Z')), toArchiveRecord(event('e4', { userId: 'u1' }, '2026-11-02T09:00:00Z'))]),
  );
}

for (const [name, make] of [
  ['a folder', () => new FolderArchiveFiles(join(dir, `folder-${Math.random()}`))],
  ['S3', () => new S3ArchiveFiles(s3, BUCKET)],
] as const) {
  describe(`archive files in ${name}`, () => {
    it('exports a person once per event, as visitor too, then erases them and keeps everyone else', async () => {
      const files: ArchiveFiles = make();
      await fill(files);
      assert.deepEqual(await files.list(), ['events/dt=2026-11-01/shardId-000000000000-1.parquet', 'events/dt=2026-11-02/shardId-000000000000-9.parquet']);
      const theirs = await archivedEventsOf(files, ['u1', 'anon:v1']);
      assert.deepEqual(theirs.map((r) => r.event_id), ['e1', 'e2', 'e4'], 'oldest first, the redelivered copy once');
      assert.equal(await eraseFromArchive(files, ['u1', 'anon:v1']), 4, 'both copies of e2 go');
      assert.deepEqual(await files.list(), ['events/dt=2026-11-01/shardId-000000000000-1.parquet'], 'a file left empty is deleted');
      const left = await readArchiveFile(files, 'events/dt=2026-11-01/shardId-000000000000-1.parquet');
      assert.deepEqual(left.map((r) => r.event_id), ['e3']);
      assert.equal(await eraseFromArchive(files, ['u1', 'anon:v1']), 0, 'idempotent');
      assert.deepEqual(await archivedEventsOf(files, ['u1']), []);
    });
  });
}

describe('archive file layout', () => {
  it('stores S3 objects as the Parquet files they are, under their own key', async () => {
    const files = new S3ArchiveFiles(s3, BUCKET);
    const bytes = encodeArchiveFile([toArchiveRecord(event('z', { userId: 'u9' }, '2026-12-01T00:00:00Z'))]);
    await files.write(archiveFileKey('2026-12-01', 'x'), bytes);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'events/dt=2026-12-01/x.parquet' }));
    assert.equal(object.ContentType, 'application/vnd.apache.parquet');
    assert.deepEqual(await object.Body!.transformToByteArray(), bytes);
  });

  it('writes folder files whole (no reader sees half a file) and refuses keys outside the archive', async () => {
    const files = new FolderArchiveFiles(join(dir, 'layout'));
    await files.write(archiveFileKey('2026-12-01', 'y'), Buffer.from('not parquet'));
    assert.equal(await readFile(join(dir, 'layout', 'events', 'dt=2026-12-01', 'y.parquet'), 'utf8'), 'not parquet');
    // A damaged file is an error naming it, not rows quietly missing from an erasure or a replay.
    await assert.rejects(readArchiveFile(files, 'events/dt=2026-12-01/y.parquet'), /archive file events\/dt=2026-12-01\/y\.parquet cannot be read/);
    await assert.rejects(files.read('events/../../etc/passwd'), /bad archive key/);
    assert.throws(() => archiveFileKey('2026-13-1', 'y'), /bad partition date/);
    assert.throws(() => archiveFileKey('2026-12-01', '../y'), /bad archive file name/);
  });

  it('converts the NDJSON files of an earlier local archive to Parquet, keeping a file it cannot read whole', async () => {
    const root = join(dir, 'legacy');
    const day = join(root, 'events', 'dt=2026-11-01');
    await mkdir(day, { recursive: true });
    const rows = [toArchiveRecord(event('n1', { userId: 'u1' }, '2026-11-01T10:00:00Z')), toArchiveRecord(event('n2', { anonymousId: 'v2' }, '2026-11-01T11:00:00Z'))];
    await writeFile(join(day, 'old.ndjson'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeFile(join(day, 'damaged.ndjson'), `${JSON.stringify(rows[0])}\n{"event_id":\n`);
    const result = await convertNdjsonArchive(root);
    assert.deepEqual(result, { converted: 1, kept: [join(day, 'damaged.ndjson')] });
    const files = new FolderArchiveFiles(root);
    assert.deepEqual(await files.list(), ['events/dt=2026-11-01/old.parquet']);
    assert.deepEqual(await readArchiveFile(files, 'events/dt=2026-11-01/old.parquet'), rows);
    assert.deepEqual(await convertNdjsonArchive(root), { converted: 0, kept: [join(day, 'damaged.ndjson')] }, 'a rerun converts nothing again');
  });
});
