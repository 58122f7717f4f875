import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScheduledEvent } from 'aws-lambda';
import { generateKey, putApiKey } from '../core/auth/apiKeys.js';
import { closeArchiveEngines, registerArchiveEngine } from '../core/analyticsEngine/archiveQueries.js';
import { ARCHIVE_PREFIX } from '../core/analytics/archive/files.js';
import { resetClients } from '../core/aws/clients.js';
import { kinesis } from '../core/aws/kinesis.js';
import { FUNCTIONS, physicalName, STREAMS, type FunctionDefinition, type FunctionName } from '../core/platform/definitions.js';
import { DuckDbArchiveEngine } from './archive/duckdbEngine.js';
import { convertNdjsonArchive } from './archive/legacyNdjson.js';
import { DeadLetterStore } from './deadLetters.js';
import { allLocalEnvironment, LOCAL_STAGE } from './environment.js';
import { EventSourceMapping, type KinesisHandler } from './eventSourceMapping.js';
import { startHttpServer, type HttpHandler } from './httpServer.js';
import { localLog } from './log.js';
import { schedule, scheduledEvent } from './schedules.js';
import { provision } from './provision.js';
import { startStorageProcess, type EmbeddedStorage } from './storage.js';
import { wakePollersOnPut } from './streamWakeups.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface LocalStackOptions {
  /** HTTP port for ingest and GraphQL; 0 picks a free one. */
  port: number;
  dataDir: string;
  /** The admin API key; generated and kept in the data dir when absent. */
  apiKey?: string;
  /** Listen address; loopback unless told otherwise. */
  host?: string;
  /** Run scheduled functions on their timers: all, or only those named (off in tests, which invoke them directly). */
  schedules?: boolean | readonly FunctionName[];
  /** Poller tuning: the longest pause of a drained shard's poller (a put wakes it sooner), and before retries. */
  idlePollMs?: number;
  retryDelayMs?: number;
  /** Seconds handlers cache tag rules (default from the definitions: 30). */
  rulesTtlSeconds?: number;
  /** Origins browsers may call from (core/http/cors.ts); default any, as a developer's stack on loopback. */
  corsOrigins?: readonly string[];
}

export interface LocalStack {
  url: string;
  graphqlUrl: string;
  ingestUrl: string;
  apiKey: string;
  mappings: Map<FunctionName, EventSourceMapping>;
  deadLetters: Map<FunctionName, DeadLetterStore>;
  /** Invokes a scheduled function now, as EventBridge would at `time`. */
  runScheduled(name: FunctionName, time?: Date): Promise<unknown>;
  close(): Promise<void>;
}

/** A secret kept in a file of the data dir (made on first use, readable only by its owner). */
async function keptSecret(file: string, make: () => string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = make();
    await writeFile(file, secret + '\n', { mode: 0o600 });
    return secret;
  }
}

async function adminKey(dataDir: string, given: string | undefined): Promise<string> {
  return given ?? keptSecret(join(dataDir, 'admin-key'), generateKey);
}

async function loadHandler<T>(fn: FunctionDefinition): Promise<T> {
  const mod = (await import(pathToFileURL(join(ROOT, fn.entry)).href)) as { handler: T };
  return mod.handler;
}


/**
 * Starts the whole stack on one machine: dynalite and kinesalite, the tables and streams from the shared
 * definitions, every handler with its routes, event source mappings and schedules, and one HTTP port.
 *
 * @example
 * const stack = await startLocalStack({ port: 4000, dataDir: './.data' });
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const storage: EmbeddedStorage = await startStorageProcess(dataDir);

  // The SDK reads these itself; handlers stay unaware that they run locally.
  Object.assign(process.env, allLocalEnvironment(), {
    AWS_ENDPOINT_URL_DYNAMODB: storage.dynamoEndpoint,
    AWS_ENDPOINT_URL_KINESIS: storage.kinesisEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    // Powertools' development mode: one readable line per log record, no EMF metrics JSON
    // (core/platform/logger.ts, core/platform/observability.ts).
    POWERTOOLS_DEV: 'true',
    ...(options.rulesTtlSeconds !== undefined ? { RULES_TTL_SECONDS: String(options.rulesTtlSeconds) } : {}),
  });
  resetClients();
  wakePollersOnPut(kinesis());
  await provision(LOCAL_STAGE);

  // The journeys' webhook signing key, kept with the data (Secrets Manager plays this part on AWS).
  process.env.WEBHOOK_SIGNING_SECRET = await keptSecret(join(dataDir, 'webhook-secret'), () => randomBytes(32).toString('hex'));
  // Erasure reaches the dead letters where the mappings write them (the stage's bucket on AWS).
  process.env.DEAD_LETTER_STORE = pathToFileURL(join(dataDir, 'dead-letters')).href;
  // The event archive (S3 and Athena on AWS): Parquet files under the data dir, queried by embedded DuckDB.
  process.env.ARCHIVE_STORE = pathToFileURL(join(dataDir, 'archive')).href;
  process.env.ARCHIVE_ENGINE = 'duckdb';
  const legacy = await convertNdjsonArchive(join(dataDir, 'archive'));
  if (legacy.converted) localLog.info('archive files converted from NDJSON to Parquet', { files: legacy.converted });
  if (legacy.kept.length) localLog.warn('archive files left as NDJSON (a line does not parse); queries skip them', { files: legacy.kept });
  registerArchiveEngine('duckdb', () => DuckDbArchiveEngine.open({ dir: join(dataDir, 'archive', ARCHIVE_PREFIX), threads: 2 }));
  // The identity key likewise (Secrets Manager on AWS): emails and phones are linked by HMAC under it.
  process.env.IDENTITY_HASH_SECRET = await keptSecret(join(dataDir, 'identity-secret'), () => randomBytes(32).toString('hex'));
  const apiKey = await adminKey(dataDir, options.apiKey);
  await putApiKey(process.env.API_KEYS_TABLE!, apiKey, { name: 'admin', scopes: ['admin'], rateLimit: 100_000 });

  const routes = new Map<string, HttpHandler>();
  const mappings = new Map<FunctionName, EventSourceMapping>();
  const deadLetters = new Map<FunctionName, DeadLetterStore>();
  const scheduled = new Map<FunctionName, (e: ScheduledEvent) => Promise<unknown>>();
  const stopSchedules: Array<() => Promise<void>> = [];

  for (const [name, fn] of Object.entries(FUNCTIONS) as Array<[FunctionName, FunctionDefinition]>) {
    if (fn.routes) {
      const handler = await loadHandler<HttpHandler>(fn);
      for (const route of fn.routes) routes.set(route, handler);
    }
    if (fn.source) {
      const store = new DeadLetterStore(join(dataDir, 'dead-letters'), name);
      deadLetters.set(name, store);
      const mapping = new EventSourceMapping({
        functionName: name,
        streamName: physicalName(LOCAL_STAGE, STREAMS[fn.source.stream].name),
        settings: fn.source,
        handler: await loadHandler<KinesisHandler>(fn),
        deadLetters: store,
        checkpointDir: join(dataDir, 'checkpoints'),
        idlePollMs: options.idlePollMs,
        retryDelayMs: options.retryDelayMs,
      });
      mappings.set(name, mapping);
    }
    if (fn.schedule) {
      const handler = await loadHandler<(e: ScheduledEvent) => Promise<unknown>>(fn);
      scheduled.set(name, handler);
      const periodMs = fn.schedule.localEverySeconds ? fn.schedule.localEverySeconds * 1000 : fn.schedule.everyMinutes * 60_000;
      const on = Array.isArray(options.schedules) ? options.schedules.includes(name) : options.schedules === true;
      if (on) stopSchedules.push(schedule(name, periodMs, handler));
    }
  }
  for (const mapping of mappings.values()) await mapping.start();

  const { server, port } = await startHttpServer(routes, options.port, options.host, options.corsOrigins ?? ['*'], join(ROOT, 'console', 'dist'));
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;

  return {
    url,
    graphqlUrl: `${url}/graphql`,
    ingestUrl: `${url}/v1/events`,
    apiKey,
    mappings,
    deadLetters,
    async runScheduled(name, time = new Date()) {
      const handler = scheduled.get(name);
      if (!handler) throw new Error(`${name} has no schedule`);
      return handler(scheduledEvent(name, time));
    },
    async close() {
      await Promise.all(stopSchedules.map((stop) => stop()));
      await new Promise<void>((r) => (server as Server).close(() => r()));
      await Promise.all([...mappings.values()].map((m) => m.stop()));
      await closeArchiveEngines();
      resetClients();
      await storage.close();
    },
  };
}
