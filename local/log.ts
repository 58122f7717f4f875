import { createLogger } from '../core/platform/logger.js';

/**
 * The local runtime's own log (HTTP server, event source mapping poller, schedules, dead letters): the same
 * Powertools logger as the handlers, service `opsgraph-local`, so `npm start` prints one readable line per
 * record for both.
 */
export const localLog = createLogger('opsgraph-local');
