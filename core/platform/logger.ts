import { Logger, LogLevelThreshold, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { optionalEnv } from './env.js';

/**
 * opsgraph's one logger: the Powertools Logger, structured JSON on AWS (one object per line, which Lambda's JSON log
 * format passes through), and one readable line per record when `POWERTOOLS_DEV` is set, which only the local
 * runtime does:
 *
 *     12:00:01.234 INFO tagger batch processed records=500 failed=0 profilesWritten=270
 *
 * Handlers get their function's logger from `core/platform/observability.ts` and hand it to the `core/` code that
 * logs (the rule cache, the gateway), or log what `core/` returns (the tagger's commit errors). Not an
 * AsyncLocalStorage "current logger": on Node 20 it adds a promise hook that made the one-process local runtime
 * about 4% dearer per event (`npm run bench`, `cpu_ms_per_event` 8.9 → 8.5).
 */

/** Keys every Powertools record carries; the readable line shows level, service and message in front instead. */
const STANDARD_KEYS = new Set([
  'timestamp',
  'level',
  'service',
  'message',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
]);

/** Powertools' own reading of `POWERTOOLS_DEV` (true, 1, yes, y, on). */
export function isDevMode(): boolean {
  return ['true', '1', 'yes', 'y', 'on'].includes((optionalEnv('POWERTOOLS_DEV') ?? '').toLowerCase());
}

/** Whether `logger` prints DEBUG records (its level is DEBUG or TRACE). */
export function logsDebug(logger: Logger): boolean {
  return LogLevelThreshold[logger.getLevelName()] <= LogLevelThreshold.DEBUG;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `12:00:01.234` in the machine's time zone. */
function clock(timestamp: unknown): string {
  const d = typeof timestamp === 'string' || typeof timestamp === 'number' ? new Date(timestamp) : new Date();
  const at = Number.isNaN(d.getTime()) ? new Date() : d;
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

/** One value of a `key=value` pair, never containing a line break. */
function readableValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (value && typeof value === 'object' && 'name' in value && 'message' in value && 'stack' in value) {
    // An error as Powertools' formatter prints it: name, message, location (file:line), stack.
    const e = value as { name: unknown; message: unknown; location?: unknown };
    return JSON.stringify(`${String(e.name)}: ${String(e.message)}${e.location ? ` (${String(e.location)})` : ''}`);
  }
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A log record as one line: `time LEVEL service message key=value …` (`opsgraph-` is dropped from the service).
 *
 * @example
 * readableLine({ timestamp: '2026-11-20T12:00:01.234Z', level: 'INFO', service: 'opsgraph-tagger', message: 'batch processed', records: 2 })
 * // '12:00:01.234 INFO tagger batch processed records=2' (time in the local zone)
 */
export function readableLine(attributes: Record<string, unknown>): string {
  const service = String(attributes.service ?? '').replace(/^opsgraph-/, '');
  const fields = Object.entries(attributes)
    .filter(([key, value]) => !STANDARD_KEYS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${readableValue(value)}`);
  const message = String(attributes.message ?? '').replace(/\s*\n\s*/g, ' ');
  return [clock(attributes.timestamp), attributes.level, service, message, ...fields].filter((p) => p !== '' && p !== undefined).join(' ');
}

/** The Powertools Logger, printing {@link readableLine}s instead of JSON in dev mode. */
export class OpsgraphLogger extends Logger {
  protected override printLog(logLevel: number, log: LogItem): void {
    if (!isDevMode()) return super.printLog(logLevel, log);
    log.prepareForPrint();
    const line = readableLine(log.getAttributes() as Record<string, unknown>);
    if (logLevel >= LogLevelThreshold.WARN) console.error(line);
    else console.log(line);
  }

  protected override createLogger(options?: ConstructorOptions): OpsgraphLogger {
    return new OpsgraphLogger(options);
  }

  public override createChild(options?: ConstructorOptions): OpsgraphLogger {
    return super.createChild(options) as OpsgraphLogger;
  }
}

/**
 * A logger for one service (`opsgraph-tagger`, `opsgraph-local`); without a name, Powertools reads
 * `POWERTOOLS_SERVICE_NAME`.
 */
export function createLogger(serviceName?: string): OpsgraphLogger {
  return new OpsgraphLogger(serviceName ? { serviceName } : {});
}
