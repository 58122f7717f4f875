import { banditNodes } from '../journeys/assign.js';
import type { JourneyVersion } from '../journeys/types.js';
import { getBandits } from './store/bandits.js';
import { getCampaign, getCampaignVersion, listCampaigns, type Campaign } from './store/campaigns.js';
import { engineSettingsOf, getJourneySettings, type EngineSettings } from './store/settings.js';

/**
 * What a journey function knows of campaigns: all of them and the operators' guard settings, reloaded every
 * `ttlSeconds` (activation, pauses and new lexicon terms take effect within that), and their versions, which never
 * change once published and so are cached for good.
 *
 * @example
 * const cache = new CampaignCache(tables, 5);
 * const active = (await cache.campaigns()).filter((c) => c.status === 'ACTIVE');
 */
export class CampaignCache {
  private loaded: { at: number; byId: Map<string, Campaign>; settings: EngineSettings } | null = null;
  private readonly versions = new Map<string, Promise<JourneyVersion | null>>();
  private readonly bandits = new Map<string, { at: number; weights: Promise<Record<string, number[]>> }>();

  constructor(
    private readonly tables: { campaigns: string; campaignVersions: string; jobs: string },
    private readonly ttlSeconds: number,
    /** The stage's part of the guard settings (its default time zone). */
    private readonly stage: { defaultTimeZone: string },
    private readonly now: () => number = Date.now,
  ) {}

  private async current() {
    if (!this.loaded || this.now() - this.loaded.at >= this.ttlSeconds * 1000) {
      const [all, saved] = await Promise.all([listCampaigns(this.tables.campaigns), getJourneySettings(this.tables.jobs)]);
      const settings = engineSettingsOf(saved, this.stage.defaultTimeZone);
      this.loaded = { at: this.now(), byId: new Map(all.map((c) => [c.id, c])), settings };
    }
    return this.loaded;
  }

  /** Every campaign by id, at most `ttlSeconds` old. */
  async byId(): Promise<Map<string, Campaign>> {
    return (await this.current()).byId;
  }

  /**
   * One campaign, for an enrollment or timer that already exists. The cache can be older than the campaign's
   * activation (it exists, so someone saw it ACTIVE): missing or DRAFT here is re-read from the table, so a
   * fresh campaign's first timers are not taken for a draft's.
   */
  async campaign(id: string): Promise<Campaign | undefined> {
    const byId = await this.byId();
    const cached = byId.get(id);
    if (cached && cached.status !== 'DRAFT') return cached;
    const fresh = (await getCampaign(this.tables.campaigns, id)) ?? undefined;
    if (fresh) byId.set(id, fresh);
    return fresh;
  }

  /** The engine's settings: the stage's time zone, the operators' lexicon terms, global caps and webhook URL. */
  async settings(): Promise<EngineSettings> {
    return (await this.current()).settings;
  }

  /**
   * The bandit weights of a version's THOMPSON nodes, at most `ttlSeconds` old (they change at most every 15
   * minutes); undefined for a journey without a bandit, which costs no read.
   */
  async allocations(version: JourneyVersion): Promise<Record<string, number[]> | undefined> {
    if (banditNodes(version.journey).length === 0) return undefined;
    const id = version.campaignId;
    let cached = this.bandits.get(id);
    if (!cached || this.now() - cached.at >= this.ttlSeconds * 1000) {
      const weights = getBandits(this.tables.jobs, id).then(({ nodes }) => Object.fromEntries(Object.entries(nodes).map(([node, s]) => [node, s.weights])));
      weights.catch(() => this.bandits.delete(id));
      this.bandits.set(id, (cached = { at: this.now(), weights }));
    }
    return cached.weights;
  }

  /** One published version (null if missing: the campaign was written by hand). */
  version(campaignId: string, version: number): Promise<JourneyVersion | null> {
    const key = `${campaignId}#${version}`;
    let found = this.versions.get(key);
    if (!found) {
      found = getCampaignVersion(this.tables.campaignVersions, campaignId, version).then((v) =>
        v ? { campaignId, version, journey: v.journey } : null,
      );
      found.catch(() => this.versions.delete(key)); // a failed read is tried again next time
      this.versions.set(key, found);
    }
    return found;
  }
}
