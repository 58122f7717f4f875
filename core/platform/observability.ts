import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { ENV, METRICS_NAMESPACE, serviceNameOf, type FunctionDefinition } from './definitions.js';
import { optionalEnv } from './env.js';
import { createLogger, isDevMode, logsDebug, type OpsgraphLogger } from './logger.js';
import { traced } from './tracer.js';

/**
 * Logs, metrics and traces of one Lambda function, with Powertools, the same on AWS and in the local runtime
 * (docs/architecture.md):
 *
 * - logs: `core/platform/logger.ts` (JSON on AWS, one readable line per record locally);
 * - metrics: CloudWatch EMF in the namespace {@link METRICS_NAMESPACE}, dimensions `service` and `stage`, flushed
 *   once per invocation. Locally (`POWERTOOLS_DEV`) no EMF JSON but one compact `metrics` line per invocation at
 *   DEBUG level (shown with `POWERTOOLS_LOG_LEVEL=DEBUG`); `POWERTOOLS_METRICS_DISABLED=false` prints the EMF JSON
 *   as on AWS instead, `POWERTOOLS_METRICS_DISABLED=true` neither;
 * - traces: a `## <function>` X-Ray subsegment per invocation where tracing is on (`core/platform/tracer.ts`).
 */

type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The metrics one invocation records; {@link instrument} emits them when the invocation ends. */
export class Measures {
  readonly recorded: Array<{ name: string; unit: MetricUnitName; value: number }> = [];

  count(name: string, value: number): this {
    this.recorded.push({ name, unit: MetricUnit.Count, value });
    return this;
  }

  milliseconds(name: string, value: number): this {
    this.recorded.push({ name, unit: MetricUnit.Milliseconds, value: Math.max(0, Math.round(value)) });
    return this;
  }
}

/** What a handler body receives besides its event. */
export interface Invocation {
  logger: OpsgraphLogger;
  measures: Measures;
  /** The Lambda context; absent when the local runtime invokes the handler. */
  context?: Context;
}

/** A function's Powertools objects, made once per container (per process locally). */
export interface Observability {
  logger: OpsgraphLogger;
  metrics: Metrics;
}

/**
 * The logger and metrics of a function, named from its definition (`opsgraph-tagger`), not from
 * `POWERTOOLS_SERVICE_NAME`: the local runtime runs every function in one process.
 */
export function observability(fn: Pick<FunctionDefinition, 'name'>): Observability {
  const serviceName = serviceNameOf(fn);
  const metrics = new Metrics({ namespace: optionalEnv(ENV.metricsNamespace) ?? METRICS_NAMESPACE, serviceName });
  const stage = optionalEnv(ENV.stage);
  if (stage) metrics.setDefaultDimensions({ stage });
  return { logger: createLogger(serviceName), metrics };
}

const isLambdaContext = (c: unknown): c is Context =>
  typeof (c as Context | undefined)?.awsRequestId === 'string' && typeof (c as Context).functionName === 'string';

/** A compact `Name=value` summary of stored metrics (the local stand-in for EMF). */
function summary(metrics: Metrics): Record<string, string | number> {
  const emf = metrics.serializeMetrics() as unknown as Record<string, unknown>;
  const out: Record<string, string | number> = {};
  for (const def of emf._aws ? (emf._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string; Unit: string }> }> }).CloudWatchMetrics : []) {
    for (const m of def.Metrics) {
      const v = emf[m.Name];
      const value = Array.isArray(v) ? v.join(',') : (v as number);
      out[m.Name] = m.Unit === MetricUnit.Milliseconds ? `${value}ms` : value;
    }
  }
  return out;
}

/** Emits `measures` and clears the store. Synchronous from first add to flush, so concurrent local invocations
 * (one per shard, one process) never mix their metrics into one EMF document. */
function flush(o: Observability, measures: Measures): void {
  if (measures.recorded.length === 0) return;
  for (const m of measures.recorded) o.metrics.addMetric(m.name, m.unit, m.value);
  // The summary is built only when the DEBUG line will print: it serializes the whole store, every invocation.
  if (isDevMode() && optionalEnv('POWERTOOLS_METRICS_DISABLED') === undefined && logsDebug(o.logger)) o.logger.debug('metrics', summary(o.metrics));
  o.metrics.publishStoredMetrics();
}

/**
 * Wraps a handler body: the function's logger with the Lambda context in every log record, the cold-start metric
 * on AWS, a trace subsegment, and the invocation's metrics flushed when it ends, whether it returns or throws.
 *
 * @example
 * export const handler = instrument(FUNCTIONS.tagger, async (event: KinesisStreamEvent, { logger, measures }) => {
 *   measures.count('BatchSize', event.Records.length);
 *   …
 * });
 */
export function instrument<E, R>(
  fn: Pick<FunctionDefinition, 'name'>,
  body: (event: E, invocation: Invocation) => Promise<R>,
  o: Observability = observability(fn),
): (event: E, context?: unknown) => Promise<R> {
  return async (event, context) => {
    const lambdaContext = isLambdaContext(context) ? context : undefined;
    if (lambdaContext) {
      o.logger.addContext(lambdaContext);
      o.metrics.captureColdStartMetric(lambdaContext.functionName);
    }
    const measures = new Measures();
    try {
      return await traced(fn.name, () => body(event, { logger: o.logger, measures, context: lambdaContext }));
    } finally {
      flush(o, measures);
    }
  };
}
