/**
 * What admitting a request costs, side by side in one run on the embedded stack (dynalite), one JSON line per
 * figure: a known key's authentication alone (cached), plus this container's token bucket, plus the shared limits
 * (a conditional ADD on the key's rate window and on its day: core/auth/usage.ts), each as median and p99 µs.
 * Also the DynamoDB writes per admitted request, the floor of limits that hold across containers without leases.
 *
 *   npx tsx bench/auth.ts [--requests 2000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate, generateKey, putApiKey } from '../core/auth/apiKeys.js';
import { admitRequest } from '../core/auth/admit.js';
import { startLocalStack } from '../local/localStack.js';
import { arg, percentile, report } from './support.js';

const requests = arg('requests', 2000);
const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-auth-'));
const stack = await startLocalStack({ port: 0, dataDir });
try {
  const keysTable = process.env.API_KEYS_TABLE!;
  const usageTable = process.env.USAGE_TABLE!;
  const key = generateKey();
  await putApiKey(keysTable, key, { name: 'bench', scopes: ['events:write'], rateLimit: 1e9, dailyQuota: 1e12 });

  const variants: Record<string, () => Promise<unknown>> = {
    authenticate_cached: () => authenticate(keysTable, key, 'events:write'),
    admit_with_shared_limits: () => admitRequest({ keysTable, usageTable, presented: key, scope: 'events:write' }),
  };
  const times = new Map(Object.keys(variants).map((k) => [k, [] as number[]]));
  // Interleaved, so the machine's noise falls on both alike.
  for (let i = 0; i < requests + 100; i++) {
    for (const [name, run] of Object.entries(variants)) {
      const t = process.hrtime.bigint();
      const r = (await run()) as { ok: boolean };
      const us = Number(process.hrtime.bigint() - t) / 1000;
      if (!r.ok) throw new Error(`${name} refused`);
      if (i >= 100) times.get(name)!.push(us);
    }
  }
  const medians: Record<string, number> = {};
  for (const [name, t] of times) {
    t.sort((a, b) => a - b);
    medians[name] = percentile(t, 0.5);
    report({ figure: 'admit_latency', variant: name, requests, median_us: Math.round(percentile(t, 0.5)), p99_us: Math.round(percentile(t, 0.99)) });
  }
  report({
    figure: 'admit_overhead',
    shared_limits_over_cached_auth_median: +(medians.admit_with_shared_limits! / medians.authenticate_cached!).toFixed(1),
    writes_per_admitted_request: 2,
    note: 'two conditional writes per admitted request, sent together (one round trip of latency); dynalite runs beside the bench',
  });
} finally {
  await stack.close();
  await rm(dataDir, { recursive: true, force: true });
}
