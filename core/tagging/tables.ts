import { requireEnv } from '../platform/env.js';

/** Where the tagger and the sweeps read and write: the profile engine's tables and the `changes` stream. */
export interface ProfileEngineTables {
  profiles: string;
  identities: string;
  memberships: string;
  audit: string;
  /** Consent by person, kept beside the profile for the analytics and experiments functions. */
  consent: string;
  changesStream: string;
}

/** The profile engine's tables and stream, from the function's environment (one contract for CDK and local). */
export function profileEngineTables(): ProfileEngineTables {
  return {
    profiles: requireEnv('PROFILES_TABLE'),
    identities: requireEnv('IDENTITIES_TABLE'),
    memberships: requireEnv('MEMBERSHIPS_TABLE'),
    audit: requireEnv('AUDIT_TABLE'),
    consent: requireEnv('CONSENT_TABLE'),
    changesStream: requireEnv('CHANGES_STREAM'),
  };
}
