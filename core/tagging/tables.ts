import { requireEnv } from '../platform/env.js';
import type { ProfileEngineTables } from './processBatch.js';

/** The profile engine's tables and stream, from the function's environment. */
export function profileEngineTables(): ProfileEngineTables {
  return {
    profiles: requireEnv('PROFILES_TABLE'),
    identities: requireEnv('IDENTITIES_TABLE'),
    memberships: requireEnv('MEMBERSHIPS_TABLE'),
    audit: requireEnv('AUDIT_TABLE'),
    changesStream: requireEnv('CHANGES_STREAM'),
  };
}
