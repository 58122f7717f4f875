import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { captureAWSv3Client } from '../platform/tracer.js';
import { onResetClients } from './clients.js';

/*
 * The shared Kinesis client, one per container (core/aws/clients.ts says how endpoints and tracing are set), in a
 * module of its own so that functions which never write a stream do not load the Kinesis SDK.
 */

let kinesisClient: KinesisClient | undefined;

onResetClients(() => {
  kinesisClient?.destroy();
  kinesisClient = undefined;
});

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
