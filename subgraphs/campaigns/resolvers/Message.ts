import type { MessageResolvers } from '../types.generated.js';

/** Outbox items listed as messages always have a channel, a purpose and a body (core/journeyEngine/applyEffects.ts). */
export const Message: MessageResolvers = {
  channel: (m) => m.channel ?? 'outbox',
  purpose: (m) => m.purpose ?? 'transactional',
  body: (m) => m.body ?? '',
};
