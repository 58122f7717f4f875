import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { useTestStack } from '../support/stack.js';

/*
 * Limits per key that hold across containers: four worker processes (each its own module state and SDK client,
 * as four Lambda containers) admit requests of one key against the stack's dynalite usage table at once.
 */
useTestStack();
const run = promisify(execFile);

async function workers(keyId: string, rate: number, quota: number | undefined, perWorker: number) {
  const outputs = await Promise.all(
    Array.from({ length: 4 }, () =>
      run(process.execPath, ['--import', 'tsx', 'test/support/usageWorker.ts', process.env.USAGE_TABLE!, keyId, String(rate), quota === undefined ? '-' : String(quota), String(perWorker)], {
        env: process.env,
      }),
    ),
  );
  return outputs.flatMap((o) => JSON.parse(o.stdout) as Array<{ at: number; allowed: boolean; reason?: string }>);
}

describe('key limits over four containers', () => {
  it('a daily quota admits exactly the quota, however many containers ask', async () => {
    const answers = await workers('key_quota_workers', 10_000, 30, 20);
    assert.equal(answers.length, 80);
    assert.equal(answers.filter((a) => a.allowed).length, 30);
    assert.ok(answers.filter((a) => !a.allowed).every((a) => a.reason === 'QUOTA'));
  });

  it('a rate limit holds per window over all of them', async () => {
    const rate = 10;
    const answers = await workers('key_rate_workers', rate, undefined, 40);
    const perSecond = new Map<number, { asked: number; allowed: number }>();
    for (const a of answers) {
      const s = perSecond.get(Math.floor(a.at / 1000)) ?? { asked: 0, allowed: 0 };
      s.asked++;
      if (a.allowed) s.allowed++;
      perSecond.set(Math.floor(a.at / 1000), s);
    }
    const windows = [...perSecond.values()];
    assert.ok(windows.every((w) => w.allowed <= rate), JSON.stringify([...perSecond]));
    assert.ok(windows.some((w) => w.asked > rate), `the workers asked more than ${rate} in some second: ${JSON.stringify([...perSecond])}`);
    assert.ok(answers.filter((a) => !a.allowed).every((a) => a.reason === 'RATE'));
    assert.ok(answers.some((a) => a.allowed));
  });
});
