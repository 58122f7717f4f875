import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { sesClient, smsClient } from '../aws/messagingClients.js';
import type { GuardOutcome } from '../journeys/guards.js';
import { redactText } from '../privacy/redact.js';
import type { OutboxItem } from './store/outbox.js';
import type { MessagingSettings } from './messagingSettings.js';

/**
 * Email through SES and SMS through AWS End User Messaging, for SEND nodes the guards let through on a stage
 * with sender identities (core/journeyEngine/messagingSettings.ts). Each answers the outbox outcome and never
 * throws: SENT with the provider's message id, or FAILED with DELIVERY and the provider's error, its addresses
 * redacted (an SES error can name the recipient). Neither provider takes an idempotency key; the outbox's lease
 * (deliverOnce) is what keeps a retried step from sending twice, and the key travels with the message (a header,
 * the SMS context) so a duplicate after a crash mid-send can still be recognised downstream.
 */

type Delivered = Pick<GuardOutcome, 'status' | 'reason' | 'detail'>;

const DETAIL_LIMIT = 300;
/** SES tag values allow letters, digits, `_`, `-`, `.` and `@` only. */
const tagValue = (s: string) => s.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256) || '_';

/** Why a provider refused, without the addresses its message may quote. */
function refusal(provider: string, err: unknown): Delivered {
  const e = err as { name?: unknown; message?: unknown };
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? redactText(e.message) : String(err);
  return { status: 'FAILED', reason: 'DELIVERY', detail: `${provider} did not take it: ${name}: ${message}`.slice(0, DETAIL_LIMIT) };
}

/** A subject for SES, which needs one: the node's, else the body's first line. */
function subjectOf(item: OutboxItem): string {
  const subject = item.subject?.trim() || (item.body ?? '').split('\n', 1)[0]!.trim();
  return (subject || item.campaignId).slice(0, 200);
}

/**
 * Sends an outbox message as an email from the stage's sender.
 *
 * @example
 * await sendEmail(settings.email, 'ann@example.com', item) // { status: 'SENT', detail: 'SES message 0100…' }
 */
export async function sendEmail(email: NonNullable<MessagingSettings['email']>, to: string, item: OutboxItem): Promise<Delivered> {
  try {
    const res = await sesClient().send(
      new SendEmailCommand({
        FromEmailAddress: email.from,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: subjectOf(item), Charset: 'UTF-8' },
            Body: { Text: { Data: item.body ?? '', Charset: 'UTF-8' } },
            Headers: [{ Name: 'X-Opsgraph-Idempotency-Key', Value: item.idempotencyKey }],
          },
        },
        ...(email.configurationSet ? { ConfigurationSetName: email.configurationSet } : {}),
        EmailTags: [
          { Name: 'campaign', Value: tagValue(item.campaignId) },
          { Name: 'node', Value: tagValue(item.node) },
          { Name: 'purpose', Value: tagValue(item.purpose ?? 'transactional') },
        ],
      }),
    );
    return { status: 'SENT', detail: `SES message ${res.MessageId ?? '(no id)'}` };
  } catch (err) {
    return refusal('SES', err);
  }
}

/**
 * Sends an outbox message as a text from the stage's origination identity: PROMOTIONAL for marketing, else
 * TRANSACTIONAL (carriers route and filter the two differently).
 *
 * @example
 * await sendSms(settings.sms, '+447700900123', item) // { status: 'SENT', detail: 'SMS message 6f0e…' }
 */
export async function sendSms(sms: NonNullable<MessagingSettings['sms']>, to: string, item: OutboxItem): Promise<Delivered> {
  try {
    const res = await smsClient().send(
      new SendTextMessageCommand({
        DestinationPhoneNumber: to,
        OriginationIdentity: sms.originationIdentityArn,
        MessageBody: item.body ?? '',
        MessageType: item.purpose === 'marketing' ? 'PROMOTIONAL' : 'TRANSACTIONAL',
        ...(sms.configurationSet ? { ConfigurationSetName: sms.configurationSet } : {}),
        Context: { campaignId: item.campaignId, idempotencyKey: item.idempotencyKey },
      }),
    );
    return { status: 'SENT', detail: `SMS message ${res.MessageId ?? '(no id)'}` };
  } catch (err) {
    return refusal('End User Messaging SMS', err);
  }
}
