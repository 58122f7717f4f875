import type { Logger } from '@aws-lambda-powertools/logger';
import { createLogger } from '../platform/logger.js';
import { listSegments, listTagRules, seedStarterRules } from '../store/rules.js';
import { compileRuleSet, type CompiledRuleSet } from './evaluateProfile.js';

/**
 * Tag rules and segments as a running handler sees them: loaded from the rules table and reloaded after
 * `ttlSeconds`, so a changed rule takes effect without a redeploy or restart.
 */
export class RuleCache {
  private cached: { set: CompiledRuleSet; at: number } | null = null;
  private seeded = false;
  /** One load at a time: concurrent callers share it instead of racing the seeding. */
  private loading: Promise<CompiledRuleSet> | null = null;

  constructor(
    private readonly table: string,
    private readonly ttlSeconds: number,
    /** Where skipped rules are reported: the handler's logger (a process logger by default). */
    private readonly logger: Pick<Logger, 'warn'> = createLogger(),
  ) {}

  /** The compiled rule set, reloading when older than the TTL. */
  async get(now = Date.now()): Promise<CompiledRuleSet> {
    if (this.cached && now - this.cached.at < this.ttlSeconds * 1000) return this.cached.set;
    this.loading ??= this.load(now).finally(() => (this.loading = null));
    return this.loading;
  }

  private async load(now: number): Promise<CompiledRuleSet> {
    if (!this.seeded) {
      await seedStarterRules(this.table, new Date(now).toISOString());
      this.seeded = true;
    }
    const [rules, segments] = await Promise.all([listTagRules(this.table), listSegments(this.table)]);
    const set = compileRuleSet(rules, segments);
    for (const bad of set.invalid) this.logger.warn('rule skipped', { ...bad });
    this.cached = { set, at: now };
    return set;
  }

  /** Drop the cache (tests; the GraphQL mutations of the same process). */
  invalidate(): void {
    this.cached = null;
  }
}
