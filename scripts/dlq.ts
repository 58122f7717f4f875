import { resolve, join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DEAD_LETTER_BUCKET_OUTPUT, recordsOf, summarize } from '../core/deadLetters/document.js';
import { listDocuments, readDocument, replayDeadLetter, type DeadLetterSource } from '../core/deadLetters/replay.js';
import { S3DeadLetterSource } from '../core/deadLetters/s3Source.js';
import { DeadLetterStore } from '../local/deadLetters.js';
import { localKinesis } from './localKinesis.js';
import { runMain } from './runMain.js';
import { stackOutput } from './stackOutput.js';

const USAGE = `usage:
  npm run dlq -- list             [--function NAME] (--stage NAME [--bucket B] | --data-dir DIR)
  npm run dlq -- show <id>        (--stage NAME [--bucket B] | --data-dir DIR)
  npm run dlq -- replay <id>|--all [--function NAME] (--stage NAME [--bucket B] | --data-dir DIR [--kinesis-endpoint URL])

Dead letters are the documents Lambda's S3 on-failure destination writes (records included): on AWS in the
stage's bucket (named by the stack output ${DEAD_LETTER_BUCKET_OUTPUT} of opsgraph-<stage>, or --bucket), locally
under <data dir>/dead-letters (default: $OPSGRAPH_DATA_DIR or ./.data). Replay puts the records back into the
stream they came from with their partition keys, then moves the dead letter under replayed/.
Locally, replay needs the stack's Kinesis: with npm start stopped it starts the embedded storage itself; with
it running, pass --kinesis-endpoint (or AWS_ENDPOINT_URL_KINESIS).`;

interface Args {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: readonly string[]): Args {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) flags.set(name, inline);
      else if (name === 'all') flags.set(name, true);
      else if (next !== undefined && !next.startsWith('--')) flags.set(name, argv[++i]!);
      else throw new Error(`--${name} needs a value`);
    } else positional.push(arg);
  }
  return { command: positional.shift() ?? 'list', positional, flags };
}

const str = (flags: Args['flags'], name: string): string | undefined => {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
};

async function main(argv: readonly string[]): Promise<number> {
  const { command, positional, flags } = parseArgs(argv);
  if (command === 'help' || flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const stage = str(flags, 'stage');
  const fn = str(flags, 'function');
  const cleanups: Array<() => Promise<void>> = [];
  let source: DeadLetterSource;
  let where: string;
  if (stage !== undefined || flags.has('bucket')) {
    const bucket = str(flags, 'bucket') ?? (await stackOutput(stage!, DEAD_LETTER_BUCKET_OUTPUT, ' (deployed before dead letters moved to S3?)'));
    source = new S3DeadLetterSource(new S3Client({}), bucket);
    where = `s3://${bucket}`;
  } else {
    const dataDir = resolve(str(flags, 'data-dir') ?? process.env.OPSGRAPH_DATA_DIR ?? './.data');
    source = new DeadLetterStore(join(dataDir, 'dead-letters')).source();
    where = join(dataDir, 'dead-letters');
    if (command === 'replay') cleanups.push(await localKinesis(dataDir, str(flags, 'kinesis-endpoint')));
  }

  try {
    if (command === 'list') {
      const docs = await listDocuments(source, fn);
      for (const { id, doc } of docs) console.log(JSON.stringify(summarize(id, doc)));
      console.error(`${docs.length} dead letter(s) in ${where}${fn ? ` for ${fn}` : ''}`);
      return 0;
    }
    if (command === 'show') {
      const id = positional[0];
      if (!id) throw new Error('show needs a dead-letter id (from list)');
      const doc = await readDocument(source, id);
      const { payload: _payload, ...metadata } = doc;
      const records = doc.payload === undefined ? [] : recordsOf(doc, id);
      console.log(
        JSON.stringify(
          {
            ...summarize(id, doc),
            metadata,
            records: records.map((r) => ({
              partitionKey: r.partitionKey,
              sequenceNumber: r.sequenceNumber,
              approximateArrivalTimestamp: r.approximateArrivalTimestamp,
              data: decoded(r.data),
            })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    if (command === 'replay') {
      const ids = flags.has('all') ? (await listDocuments(source, fn)).map((d) => d.id) : positional.slice(0, 1);
      if (ids.length === 0 && !flags.has('all')) throw new Error('replay needs a dead-letter id, or --all');
      let failed = 0;
      for (const id of ids) {
        try {
          const outcome = await replayDeadLetter(source, id);
          if (outcome.failed.length) failed++;
          console.log(JSON.stringify(outcome));
        } catch (err) {
          failed++;
          console.log(JSON.stringify({ id, error: (err as Error).message }));
        }
      }
      console.error(`${ids.length - failed} replayed, ${failed} not`);
      return failed ? 1 : 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

/** A record's data as JSON when it is JSON, else as text, else base64. */
function decoded(data: Buffer): unknown {
  const text = data.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return Buffer.from(text, 'utf8').equals(data) ? text : { base64: data.toString('base64') };
  }
}

runMain(main);
