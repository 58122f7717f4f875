import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { captureAWSv3Client } from '../platform/tracer.js';

/*
 * One client per container (docs/architecture.md). Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_KINESIS variables, which the local runtime sets to dynalite and
 * kinesalite; on Lambda they are unset and the SDK uses the regional endpoints.
 *
 * Both clients (the Kinesis one in `kinesis.ts`, a module of its own: the graphql function never loads it) are
 * captured by the Powertools Tracer: on Lambda each call is an X-Ray subsegment; elsewhere
 * tracing is off, the X-Ray SDK is not even loaded, and the client is returned untouched (core/platform/tracer.ts).
 */

let documentClient: DynamoDBDocumentClient | undefined;
/** What forgets the other cached clients (`kinesis.ts`), registered by their modules as they load. */
const resets: Array<() => void> = [];

/** The shared DynamoDB document client (undefined values removed, numbers as JS numbers). */
export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(captureAWSv3Client(new DynamoDBClient({ maxAttempts: 5 })), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return documentClient;
}

/** Forget the cached clients (the local runtime calls this when it restarts its servers on new ports). */
export function resetClients(): void {
  documentClient?.destroy();
  documentClient = undefined;
  for (const reset of resets) reset();
}

/** Has {@link resetClients} call `reset` too (the Kinesis client's module, which loads only where it is used). */
export function onResetClients(reset: () => void): void {
  resets.push(reset);
}
