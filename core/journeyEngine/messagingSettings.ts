import * as z from 'zod';

/**
 * A stage's sender identities (stage data: `messaging` in infra/stages.ts, `MESSAGING_SETTINGS` locally). A channel
 * without its sender writes to the outbox only, as the local stack does by default; with one, SEND nodes on it
 * deliver through SES or AWS End User Messaging (core/journeyEngine/messaging.ts), and the journey functions' roles
 * may send from that identity and no other.
 */
export const messagingSettingsSchema = z
  .object({
    email: z
      .object({
        /** The From address: `Shop <news@mail.example.com>` or a bare address, of a verified SES identity. */
        from: z.string().min(3).max(320),
        /** The verified SES identity the address belongs to (its domain or the address): what IAM allows sending from. */
        identity: z.string().min(3).max(253),
        /** An SES configuration set (event destinations for bounces, complaints, opens). */
        configurationSet: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
      })
      .strict()
      .optional(),
    sms: z
      .object({
        /** The ARN of the phone number, sender id or pool messages go out from (End User Messaging SMS). */
        originationIdentityArn: z.string().regex(/^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|sender-id|pool)\/\S+$/),
        /** A configuration set of End User Messaging SMS. */
        configurationSet: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type MessagingSettings = z.infer<typeof messagingSettingsSchema>;

/**
 * The stage's sender identities from `MESSAGING_SETTINGS` (JSON; empty: email and sms write to the outbox only).
 * A bad value fails the cold start, as a deploy error should.
 *
 * @example
 * messagingSettingsFromEnv('{"email":{"from":"news@mail.example.com","identity":"mail.example.com"}}').email?.from // 'news@mail.example.com'
 */
export function messagingSettingsFromEnv(value: string | undefined): MessagingSettings {
  return value ? messagingSettingsSchema.parse(JSON.parse(value)) : {};
}
