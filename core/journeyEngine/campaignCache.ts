import { getCampaignVersion, listCampaigns, type Campaign } from './store/campaigns.js';
import type { JourneyVersion } from '../journeys/types.js';

/**
 * What a journey function knows of campaigns: all of them, reloaded every `ttlSeconds` (activation and pauses take
 * effect within that), and their versions, which never change once published and so are cached for good.
 *
 * @example
 * const cache = new CampaignCache(tables, 5);
 * const active = (await cache.campaigns()).filter((c) => c.status === 'ACTIVE');
 */
export class CampaignCache {
  private loaded: { at: number; byId: Map<string, Campaign> } | null = null;
  private readonly versions = new Map<string, Promise<JourneyVersion | null>>();

  constructor(
    private readonly tables: { campaigns: string; campaignVersions: string },
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every campaign by id, at most `ttlSeconds` old. */
  async byId(): Promise<Map<string, Campaign>> {
    if (!this.loaded || this.now() - this.loaded.at >= this.ttlSeconds * 1000) {
      const all = await listCampaigns(this.tables.campaigns);
      this.loaded = { at: this.now(), byId: new Map(all.map((c) => [c.id, c])) };
    }
    return this.loaded.byId;
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
