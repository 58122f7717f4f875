import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { captureAWSv3Client } from '../platform/tracer.js';

/*
 * SES and End User Messaging SMS clients, one each per container, apart from clients.ts so that only the functions
 * that deliver messages bundle them. Endpoints come from the SDK's AWS_ENDPOINT_URL_SESV2 and
 * AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 (tests point them at a loopback receiver). Three attempts with short
 * timeouts: a delivery must end well inside the step's budget (core/journeyEngine/channels.ts).
 */

let ses: SESv2Client | undefined;
let sms: PinpointSMSVoiceV2Client | undefined;

const requestHandler = () => new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 4_000 });

/** The shared SES (v2) client. */
export function sesClient(): SESv2Client {
  ses ??= captureAWSv3Client(new SESv2Client({ maxAttempts: 3, requestHandler: requestHandler() }));
  return ses;
}

/** The shared End User Messaging SMS (`pinpoint-sms-voice-v2`) client. */
export function smsClient(): PinpointSMSVoiceV2Client {
  sms ??= captureAWSv3Client(new PinpointSMSVoiceV2Client({ maxAttempts: 3, requestHandler: requestHandler() }));
  return sms;
}

/** Forget the cached clients (tests that move the endpoints). */
export function resetMessagingClients(): void {
  ses?.destroy();
  sms?.destroy();
  ses = undefined;
  sms = undefined;
}
