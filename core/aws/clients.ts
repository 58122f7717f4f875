import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { captureAWSv3Client } from '../platform/tracer.js';

/*
 * One client per container (docs/architecture.md). Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_KINESIS variables, which the local runtime sets to dynalite and
 * kinesalite; on Lambda they are unset and the SDK uses the regional endpoints.
 *
 * Both clients are captured by the Powertools Tracer: on Lambda each call is an X-Ray subsegment; elsewhere
 * tracing is off, the X-Ray SDK is not even loaded, and the client is returned untouched (core/platform/tracer.ts).
 */

let documentClient: DynamoDBDocumentClient | undefined;
let kinesisClient: KinesisClient | undefined;

/** The shared DynamoDB document client (undefined values removed, numbers as JS numbers). */
export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(captureAWSv3Client(new DynamoDBClient({ maxAttempts: 5 })), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return documentClient;
}

/**
 * The shared Kinesis client. It speaks HTTP/1.1: PutRecords and GetRecords need nothing more, and kinesalite
 * does not speak the SDK's default HTTP/2.
 */
export function kinesis(): KinesisClient {
  kinesisClient ??= captureAWSv3Client(
    new KinesisClient({
      maxAttempts: 5,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 10_000 }),
    }),
  );
  return kinesisClient;
}

/** Forget the cached clients (the local runtime calls this when it restarts its servers on new ports). */
export function resetClients(): void {
  documentClient?.destroy();
  kinesisClient?.destroy();
  documentClient = undefined;
  kinesisClient = undefined;
}
