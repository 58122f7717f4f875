import type { ProfileStats } from '../../core/profile/stats.js';
import type { Profile } from '../../core/profile/types.js';

/** What `User.stats` resolves to: the derived stats plus what the window and interest fields need. */
export type StatsView = ProfileStats & { profile: Profile; asOf: string };

/** Events reported in `stats.windows`. */
export const KEY_EVENTS = ['order_completed', 'product_viewed', 'product_added_to_cart', 'login', 'app_opened', 'payment_failed'];
