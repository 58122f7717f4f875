import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The Powertools Tracer (AWS X-Ray), one per process, made on first use so that it reads the environment the
 * runtime installed rather than the one at import time.
 *
 * It records only where X-Ray runs: on Lambda, where the CDK stack turns active tracing on
 * (`infra/constructs/opsgraph-function.ts`). Everywhere else it is a no-op that opens no socket: Powertools
 * disables tracing outside a Lambda execution environment (no `AWS_EXECUTION_ENV`), and the local runtime also
 * sets `POWERTOOLS_TRACE_ENABLED=false` (see docs/architecture.md).
 *
 * Outgoing HTTP is not patched globally: every call leaves through an AWS SDK client, and `core/aws/clients.ts`
 * captures those, so patching `http` too would only record each call twice.
 */
let instance: Tracer | undefined;

export function tracer(): Tracer {
  instance ??= new Tracer({ captureHTTPsRequests: false });
  return instance;
}

/**
 * Runs a handler invocation inside a `## <name>` subsegment of the Lambda's segment, annotated with the cold start
 * and the service, the error recorded if it throws. Without tracing it just runs `fn`.
 *
 * @example
 * return traced('tagger', () => processBatch(records, tables, rules));
 */
export async function traced<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t = tracer();
  if (!t.isTracingEnabled()) return fn();
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
