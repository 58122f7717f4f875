import { requireEnv } from '../platform/env.js';

/** Where the journey engine reads and writes (one contract for CDK and local: core/platform/definitions.ts). */
export interface JourneyTables {
  profiles: string;
  identities: string;
  /** Segment members, for SCHEDULE triggers. */
  memberships: string;
  campaigns: string;
  campaignVersions: string;
  enrollments: string;
  outbox: string;
  timers: string;
  jobs: string;
  /** The addresses email and sms deliver to (core/store/contacts.ts). */
  contacts: string;
  /** Where coupons issued and traits set go back in, so rules and analytics see them. */
  eventsStream: string;
}

/** The journey engine's tables and stream, from the function's environment. */
export function journeyTables(): JourneyTables {
  return {
    profiles: requireEnv('PROFILES_TABLE'),
    identities: requireEnv('IDENTITIES_TABLE'),
    memberships: requireEnv('MEMBERSHIPS_TABLE'),
    campaigns: requireEnv('CAMPAIGNS_TABLE'),
    campaignVersions: requireEnv('CAMPAIGN_VERSIONS_TABLE'),
    enrollments: requireEnv('ENROLLMENTS_TABLE'),
    outbox: requireEnv('OUTBOX_TABLE'),
    timers: requireEnv('TIMERS_TABLE'),
    jobs: requireEnv('JOBS_TABLE'),
    contacts: requireEnv('CONTACTS_TABLE'),
    eventsStream: requireEnv('EVENTS_STREAM'),
  };
}
