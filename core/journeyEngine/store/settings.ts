import * as z from 'zod';
import type { GuardSettings } from '../../journeys/guards.js';
import { getJob, putJob } from '../../store/jobs.js';

/**
 * The operators' journey settings, one item of the jobs table: terms added to the compliance lexicon, and the
 * frequency caps across all campaigns. The stage's default time zone is deployment data, not here.
 */
export const journeySettingsSchema = z.object({
  extraTerms: z.array(z.string().trim().min(1).max(100)).max(1000).default([]),
  perUserPerDay: z.number().int().positive().max(1000).nullable().default(null),
  perUserPerWeek: z.number().int().positive().max(10_000).nullable().default(null),
  /** Where SEND nodes on the `webhook` channel post. */
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2048).nullable().default(null),
  updatedAt: z.string().nullable().default(null),
});
export type JourneySettings = z.infer<typeof journeySettingsSchema>;

const JOB = 'journeys#settings';

/**
 * The current settings (defaults when none were saved).
 *
 * @example
 * const { extraTerms } = await getJourneySettings(tables.jobs);
 */
export async function getJourneySettings(table: string): Promise<JourneySettings> {
  const item = await getJob(table, JOB);
  return journeySettingsSchema.parse(item ?? {});
}

/** Replaces the settings. */
export async function putJourneySettings(table: string, settings: JourneySettings): Promise<JourneySettings> {
  await putJob(table, { job: JOB, ...settings });
  return settings;
}

/** What the engine applies effects with: the guards' settings and where `webhook` channel sends go. */
export interface EngineSettings extends GuardSettings {
  webhookUrl?: string;
}

/**
 * The engine's settings from the stage's time zone and the operators' saved settings.
 *
 * @example
 * const settings = engineSettingsOf(await getJourneySettings(tables.jobs), 'Asia/Shanghai');
 */
export function engineSettingsOf(saved: JourneySettings, defaultTimeZone: string): EngineSettings {
  return {
    defaultTimeZone,
    extraTerms: saved.extraTerms,
    ...(saved.webhookUrl ? { webhookUrl: saved.webhookUrl } : {}),
    globalLimits: {
      ...(saved.perUserPerDay ? { perUserPerDay: saved.perUserPerDay } : {}),
      ...(saved.perUserPerWeek ? { perUserPerWeek: saved.perUserPerWeek } : {}),
    },
  };
}
