/**
 * `npm run archive -- replay --from YYYY-MM-DD --to YYYY-MM-DD (--stage NAME [--bucket B] | --data-dir DIR
 * [--kinesis-endpoint URL])`: puts the archived events of those event dates back on the stage's `events` stream
 * (core/analyticsEngine/replayArchive.ts), the backfill for a stage that lacks them.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { ARCHIVE_BUCKET_OUTPUT, type ArchiveFiles } from '../core/analytics/archive/files.js';
import { FolderArchiveFiles } from '../core/analyticsEngine/archiveFiles.js';
import { S3ArchiveFiles } from '../core/analyticsEngine/s3ArchiveFiles.js';
import { replayArchive } from '../core/analyticsEngine/replayArchive.js';
import { physicalName, STREAMS } from '../core/platform/definitions.js';
import { localKinesis } from './localKinesis.js';
import { runMain } from './runMain.js';
import { stackOutput } from './stackOutput.js';

const USAGE = `usage:
  npm run archive -- replay --from YYYY-MM-DD --to YYYY-MM-DD (--stage NAME [--bucket B] | --data-dir DIR [--kinesis-endpoint URL])

Puts the archived events of the event dates [from, to] back on the events stream, as ingest would: on AWS from the
stage's archive bucket (stack output ${ARCHIVE_BUCKET_OUTPUT} of opsgraph-<stage>, or --bucket) onto
opsgraph-<stage>-events; locally from <data dir>/archive (default: $OPSGRAPH_DATA_DIR or ./.data). For a stage that
lacks those events: one that already folded them would count events older than its dedup memory twice.
Locally it needs the stack's Kinesis: with npm start stopped it starts the embedded storage itself; with it
running, pass --kinesis-endpoint (or AWS_ENDPOINT_URL_KINESIS).`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      stage: { type: 'string' },
      bucket: { type: 'string' },
      'data-dir': { type: 'string' },
      'kinesis-endpoint': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'replay') {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  if (!values.from || !values.to || !DATE.test(values.from) || !DATE.test(values.to) || values.from > values.to) {
    console.error(`--from and --to must be dates YYYY-MM-DD, from not after to\n\n${USAGE}`);
    return 2;
  }
  let files: ArchiveFiles;
  let stage: string;
  const cleanups: Array<() => Promise<void>> = [];
  if (values.stage !== undefined || values.bucket !== undefined) {
    if (!values.stage) throw new Error('--bucket needs --stage (whose events stream the replay writes to)');
    stage = values.stage;
    files = new S3ArchiveFiles(new S3Client({}), values.bucket ?? (await stackOutput(stage, ARCHIVE_BUCKET_OUTPUT)));
  } else {
    const dataDir = resolve(values['data-dir'] ?? process.env.OPSGRAPH_DATA_DIR ?? './.data');
    stage = 'local';
    files = new FolderArchiveFiles(join(dataDir, 'archive'));
    cleanups.push(await localKinesis(dataDir, values['kinesis-endpoint']));
  }
  try {
    const stream = physicalName(stage, STREAMS.events.name);
    const outcome = await replayArchive(files, stream, { fromDate: values.from, toDate: values.to }, (n) => process.stderr.write(`\r${n} events`));
    process.stderr.write('\n');
    console.log(JSON.stringify({ stream, ...outcome, failed: outcome.failed.length, failedExamples: outcome.failed.slice(0, 5) }));
    return outcome.failed.length ? 1 : 0;
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

runMain(main);
