import type { Tracer } from '@aws-lambda-powertools/tracer';
import { optionalEnv } from './env.js';

/**
 * Whether X-Ray records here: inside a Lambda execution environment (Powertools' own rule, `AWS_EXECUTION_ENV`),
 * unless `POWERTOOLS_TRACE_ENABLED=false`. The CDK stack turns active tracing on
 * (`infra/constructs/opsgraph-function.ts`); the local runtime never runs inside Lambda.
 */
function tracingWanted(): boolean {
  return Boolean(optionalEnv('AWS_EXECUTION_ENV')) && optionalEnv('POWERTOOLS_TRACE_ENABLED')?.toLowerCase() !== 'false';
}

/*
 * The Powertools Tracer, one per process, and loaded only where it records. Importing it loads the X-Ray SDK,
 * whose context store (cls-hooked) installs an async_hooks hook with destroy tracking for the life of the
 * process: every promise then costs about ten times as much (300,000 awaited promises: 64 ms bare, 822 ms with
 * it loaded), which in the local runtime, where every function shares one process, cost the freshness bench
 * seconds of lag. Lambda sets its environment before the module loads, so deciding at import time is right
 * there and locally alike.
 *
 * Outgoing HTTP is not patched globally: every call leaves through an AWS SDK client, and `core/aws/clients.ts`
 * captures those, so patching `http` too would only record each call twice.
 */
const instance: Tracer | undefined = tracingWanted()
  ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ captureHTTPsRequests: false })
  : undefined;

/** An AWS SDK client whose calls become X-Ray subsegments where tracing is on; elsewhere the client itself. */
export function captureAWSv3Client<T>(client: T): T {
  return instance ? instance.captureAWSv3Client(client) : client;
}

/**
 * Runs a handler invocation inside a `## <name>` subsegment of the Lambda's segment, annotated with the cold start
 * and the service, the error recorded if it throws. Without tracing it just runs `fn`.
 *
 * @example
 * return traced('tagger', () => processBatch(records, tables, rules));
 */
export async function traced<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = instance;
  if (!t?.isTracingEnabled()) return fn();
  const segment = t.getSegment();
  if (!segment) return fn();
  const subsegment = segment.addNewSubsegment(`## ${name}`);
  t.setSegment(subsegment);
  t.annotateColdStart();
  t.addServiceNameAnnotation();
  try {
    return await fn();
  } catch (err) {
    t.addErrorAsMetadata(err as Error);
    throw err;
  } finally {
    subsegment.close();
    t.setSegment(segment);
  }
}
