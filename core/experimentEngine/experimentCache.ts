import { isLive, type Experiment } from '../experiments/definition.js';
import { getExperiment, listExperiments } from './store/experiments.js';

/**
 * What the experiments function knows of experiments: all of them, reloaded every `ttlSeconds`, and any experiment
 * a batch exposes to that the cache does not know as running, read again at once (so the first exposures after
 * `setExperimentStatus(RUNNING)` are never dropped for a stale cache).
 *
 * @example
 * const experiments = await cache.live(new Set(['checkout-cta']));
 */
export class ExperimentCache {
  private loaded: { at: number; byId: Map<string, Experiment>; missing: Set<string> } | null = null;

  constructor(
    private readonly table: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  private async current() {
    if (!this.loaded || this.now() - this.loaded.at >= this.ttlSeconds * 1000) {
      this.loaded = { at: this.now(), byId: new Map((await listExperiments(this.table)).map((e) => [e.id, e])), missing: new Set() };
    }
    return this.loaded;
  }

  /**
   * The experiments that may still take exposures or count metrics: not drafts. Stopped ones stay while a
   * metric window of theirs may still be open, which the fold decides by event time.
   */
  async live(exposedTo: ReadonlySet<string>): Promise<Experiment[]> {
    const { byId, missing } = await this.current();
    for (const id of exposedTo) {
      const cached = byId.get(id);
      // Unknown ids are looked up once per reload: exposures to made-up experiments cost one read, not one per batch.
      if ((cached && isLive(cached, this.now())) || missing.has(id)) continue;
      const fresh = await getExperiment(this.table, id);
      if (fresh) byId.set(id, fresh);
      else missing.add(id);
    }
    return [...byId.values()].filter((e) => e.status !== 'DRAFT');
  }
}
