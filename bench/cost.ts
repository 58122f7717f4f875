import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { ArchiveFiles } from '../core/analytics/archive/files.js';
import { archiveEvents } from '../core/analyticsEngine/archiveEvents.js';
import { FolderArchiveFiles } from '../core/analyticsEngine/archiveFiles.js';
import { dynamo } from '../core/aws/clients.js';
import { kinesis } from '../core/aws/kinesis.js';
import { FUNCTIONS } from '../core/platform/definitions.js';
import { processBatch } from '../core/tagging/processBatch.js';
import { RuleCache } from '../core/tagging/ruleCache.js';
import { profileEngineTables } from '../core/tagging/tables.js';
import { startLocalStack } from '../local/localStack.js';
import { meterCapacity } from './capacity.js';
import { arg, bundleAsDeployed, report } from './support.js';
import { BATCH, makeRecords } from './workload.js';

/**
 * Dollars per million events on AWS on-demand prices (us-east-1), from what the profile engine measurably uses on
 * the Zipf workload of `bench:engine`:
 * - DynamoDB write and read request units of every table the tagger touches, metered from its requests as AWS
 *   sizes items (bench/capacity.ts);
 * - Kinesis bytes: each event's stream record (data + partition key) ingested and retrieved once, and the
 *   change records the tagger publishes, ingested and retrieved once (by the churn scorer), each record
 *   rounded up to 1 KB; plus the stream-hours of the two on-demand streams at an assumed sustained rate;
 * - Lambda GB-seconds of the tagger: CPU time per record, measured on the bundle the Lambda runs (codec
 *   included), stretched by the CPU share Lambda gives the configured memory, plus an assumed wait for
 *   DynamoDB and Kinesis per batch; and its invocations.
 *
 * Not included: ingest (API Gateway requests and the ingest Lambda, which depend on events per request), the
 * GraphQL read path, storage (GB-months), CloudWatch and data transfer.
 *
 * Then, apart (`cost_archiver`, not in `cost_total`): what the event archive adds on the same events, run by the
 * archiver's own code in its batches (`FUNCTIONS.archiver.source.batchSize`): its identity and consent reads, its
 * S3 PUTs (one per event date per batch), its retrieval of the events stream and its Lambda time.
 *
 *   npm run bench:cost [-- --events 50000 --compute-events 100000 --rate 500 --io-ms-per-batch 60]
 */
const events = arg('events', 50_000);
const computeEvents = arg('compute-events', 100_000);
/** Sustained events per second, for the fixed stream-hour charge. */
const rate = arg('rate', 500);
/** Wall time a batch of 500 waits on DynamoDB and Kinesis round trips (about six sequential ones of ~10 ms). */
const ioMsPerBatch = arg('io-ms-per-batch', 60);

/**
 * us-east-1 on-demand list prices, as of 2026-12-02. Sources: "Amazon DynamoDB pricing — on-demand capacity"
 * (after the 2024-11-01 on-demand reduction), "Amazon Kinesis Data Streams pricing — on-demand mode" (its key
 * terms: data-in per GB with each record rounded up to 1 KB, data retrievals per GB, a per-stream hourly charge)
 * "AWS Lambda pricing" (x86, first tier; the tagger sets no architecture) and "Amazon S3 pricing" (S3 Standard PUT
 * requests). Not fetched at run time: update
 * this table, with its date, when prices change.
 */
export const PRICES = {
  date: '2026-12-02',
  region: 'us-east-1',
  dynamodbWriteRequestUnit: 0.625 / 1e6,
  dynamodbReadRequestUnit: 0.125 / 1e6,
  kinesisOnDemandIngestPerGb: 0.08,
  kinesisOnDemandRetrievalPerGb: 0.04,
  kinesisOnDemandStreamHour: 0.04,
  lambdaGbSecondX86: 0.0000166667,
  lambdaRequest: 0.2 / 1e6,
  s3PutRequest: 0.005 / 1000,
} as const;

/** Lambda allocates CPU in proportion to memory: 1,769 MB is one full vCPU. */
const LAMBDA_MB_PER_VCPU = 1769;
const GB = 1024 ** 3;
const KB = 1024;
const kbRounded = (bytes: number) => Math.max(1, Math.ceil(bytes / KB)) * KB;
const perMillion = (dollars: number, n: number) => Math.round((dollars / n) * 1e6 * 1e4) / 1e4;

const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-cost-'));

// 1. CPU per record, as deployed (bundle, storage codec included).
const bundle = join(dataDir, 'engine-compute.mjs');
await bundleAsDeployed(join(import.meta.dirname, 'engine-compute.ts'), bundle);
const computeLine = execFileSync(process.execPath, [bundle, '--events', String(computeEvents), '--codec', 'compact'], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
const compute = JSON.parse(computeLine) as { cpu_microseconds_per_record: number; records_per_second: number };

// 2. Units through the real batch processor against dynalite.
const stack = await startLocalStack({ port: 0, dataDir });
for (const m of stack.mappings.values()) await m.stop();
const rules = await new RuleCache(process.env.RULES_TABLE!, 3600).get();
const tables = profileEngineTables();
const meter = meterCapacity(dynamo(), { [tables.profiles]: ['userId'] });
let changeRecords = 0;
let changeBytesRounded = 0;
kinesis().middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName === 'PutRecordsCommand') {
      for (const r of (args.input as { Records: PutRecordsRequestEntry[] }).Records) {
        changeRecords++;
        changeBytesRounded += kbRounded((r.Data?.byteLength ?? 0) + Buffer.byteLength(r.PartitionKey ?? ''));
      }
    }
    return next(args);
  },
  { step: 'initialize', name: 'cost-kinesis-bytes' },
);
const records = makeRecords(events, 11);
let failed = 0;
for (let b = 0; b < records.length; b += BATCH) {
  failed += (await processBatch(records.slice(b, b + BATCH), tables, rules)).failed.length;
  if (b % (BATCH * 20) === 0) process.stderr.write(`\rcost: ${b + BATCH}/${records.length}`);
}
process.stderr.write('\n');
meter.stop();

// 3. The archiver on the same events, after the tagger wrote their identity links (as on the stream).
const archiveMeter = meterCapacity(dynamo(), {});
const folder = new FolderArchiveFiles(join(dataDir, 'archive'));
let archivePuts = 0;
const countedFiles: ArchiveFiles = {
  list: () => folder.list(),
  read: (key) => folder.read(key),
  write: (key, text) => (archivePuts++, folder.write(key, text)),
  remove: (key) => folder.remove(key),
};
const archiver = FUNCTIONS.archiver;
const archiveCtx = { identities: process.env.IDENTITIES_TABLE!, consent: process.env.CONSENT_TABLE!, files: countedFiles };
const archiveCpu = process.cpuUsage();
let archived = 0;
for (let b = 0; b < records.length; b += archiver.source.batchSize) {
  const r = await archiveEvents(archiveCtx, records.slice(b, b + archiver.source.batchSize));
  archived += r.archived;
  failed += r.failed.length;
}
const archiveCpuMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(archiveCpu));
archiveMeter.stop();
await stack.close();
await rm(dataDir, { recursive: true, force: true });

const units = meter.total();
const profileUnits = meter.tables.get(tables.profiles)!;
const eventBytesRounded = records.reduce((n, r) => n + kbRounded(Buffer.from(r.kinesis.data, 'base64').byteLength + Buffer.byteLength(r.kinesis.partitionKey)), 0);
const tagger = FUNCTIONS.tagger;
const cpuShare = Math.min(1, tagger.memoryMb / LAMBDA_MB_PER_VCPU);
const secondsPerRecord = compute.cpu_microseconds_per_record / 1e6 / cpuShare + ioMsPerBatch / 1000 / tagger.source.batchSize;
const gbSeconds = (tagger.memoryMb / 1024) * secondsPerRecord * events;
const invocations = Math.ceil(events / tagger.source.batchSize);
const streamHours = 2 * (events / rate / 3600);

/** The JSON line of a component's DynamoDB read units. */
function readsLine(component: string, readUnits: number) {
  return {
    component,
    read_request_units: readUnits,
    rru_per_event: Math.round((readUnits / events) * 1000) / 1000,
    usd_per_million_events: perMillion(readUnits * PRICES.dynamodbReadRequestUnit, events),
  };
}

const lines = [
  {
    component: 'dynamodb_writes',
    write_request_units: units.writeUnits,
    wru_per_event: Math.round((units.writeUnits / events) * 1000) / 1000,
    profile_wru_per_event: Math.round((profileUnits.writeUnits / events) * 1000) / 1000,
    wru_per_event_by_table: Object.fromEntries([...meter.tables].filter(([, t]) => t.writes > 0).map(([name, t]) => [name, Math.round((t.writeUnits / events) * 1000) / 1000])),
    usd_per_million_events: perMillion(units.writeUnits * PRICES.dynamodbWriteRequestUnit, events),
  },
  readsLine('dynamodb_reads', units.readUnits),
  {
    component: 'kinesis_events_stream',
    records: events,
    billed_kb_per_record: Math.round((eventBytesRounded / events / KB) * 100) / 100,
    usd_per_million_events: perMillion((eventBytesRounded / GB) * (PRICES.kinesisOnDemandIngestPerGb + PRICES.kinesisOnDemandRetrievalPerGb), events),
  },
  {
    component: 'kinesis_changes_stream',
    records: changeRecords,
    billed_kb_per_record: changeRecords ? Math.round((changeBytesRounded / changeRecords / KB) * 100) / 100 : 0,
    usd_per_million_events: perMillion((changeBytesRounded / GB) * (PRICES.kinesisOnDemandIngestPerGb + PRICES.kinesisOnDemandRetrievalPerGb), events),
  },
  {
    component: 'kinesis_stream_hours',
    streams: 2,
    assumed_events_per_second: rate,
    usd_per_million_events: perMillion(streamHours * PRICES.kinesisOnDemandStreamHour, events),
  },
  {
    component: 'lambda_tagger',
    memory_mb: tagger.memoryMb,
    cpu_microseconds_per_record: compute.cpu_microseconds_per_record,
    cpu_share: Math.round(cpuShare * 1000) / 1000,
    assumed_io_ms_per_batch: ioMsPerBatch,
    gb_seconds_per_million_events: Math.round((gbSeconds / events) * 1e6 * 10) / 10,
    usd_per_million_events: perMillion(gbSeconds * PRICES.lambdaGbSecondX86 + invocations * PRICES.lambdaRequest, events),
  },
];
const archiveUnits = archiveMeter.total();
const archiveBatches = Math.ceil(events / archiver.source.batchSize);
const archiverCpuShare = Math.min(1, archiver.memoryMb / LAMBDA_MB_PER_VCPU);
const archiverGbSeconds = (archiver.memoryMb / 1024) * (archiveCpuMs / 1000 / archiverCpuShare + (ioMsPerBatch / 1000) * archiveBatches);
const archiverLines = [
  readsLine('archiver_dynamodb_reads', archiveUnits.readUnits),
  {
    component: 'archiver_s3_puts',
    puts: archivePuts,
    batch_size: archiver.source.batchSize,
    usd_per_million_events: perMillion(archivePuts * PRICES.s3PutRequest, events),
  },
  {
    component: 'archiver_kinesis_retrieval',
    usd_per_million_events: perMillion((eventBytesRounded / GB) * PRICES.kinesisOnDemandRetrievalPerGb, events),
  },
  {
    component: 'lambda_archiver',
    memory_mb: archiver.memoryMb,
    cpu_microseconds_per_record: Math.round((archiveCpuMs / events) * 1000 * 10) / 10,
    build: 'tsx (unbundled)',
    usd_per_million_events: perMillion(archiverGbSeconds * PRICES.lambdaGbSecondX86 + archiveBatches * PRICES.lambdaRequest, events),
  },
];
const total = lines.reduce((n, l) => n + l.usd_per_million_events, 0);
for (const l of lines) report({ bench: 'cost', ...l });
report({
  bench: 'cost_total',
  usd_per_million_events: Math.round(total * 1e4) / 1e4,
  target_usd_per_million_events: 1,
  events,
  failed_records: failed,
  prices: PRICES,
  not_included: ['API Gateway and ingest Lambda', 'GraphQL reads', 'storage GB-months', 'CloudWatch', 'data transfer'],
});
for (const l of archiverLines) report({ bench: 'cost', ...l });
report({
  bench: 'cost_archiver',
  usd_per_million_events: Math.round(archiverLines.reduce((n, l) => n + l.usd_per_million_events, 0) * 1e4) / 1e4,
  events_archived: archived,
  not_included: ['archive storage GB-months', 'Athena scans'],
});
