import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { dynamo } from '../../core/aws/clients.js';
import { kinesis } from '../../core/aws/kinesis.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { CampaignCache } from '../../core/journeyEngine/campaignCache.js';
import { enrollmentsOfUser } from '../../core/journeyEngine/store/enrollments.js';
import type { OutboxItem } from '../../core/journeyEngine/store/outbox.js';
import { journeyTables } from '../../core/journeyEngine/tables.js';
import { allOutbox, engineContext, FAULT_PATH, faultJourney, faultTriggers, untilCompleted, untilProcessed } from '../support/journeyRuns.js';
import { activeCampaign, gql, useTestStack } from '../support/stack.js';
import { record } from '../support/streamRecords.js';

/*
 * The fault-injection test of the journey engine's exactly-once claim. The engine is "killed" at random points: a
 * fault hook on the shared SDK clients throws at random on journey writes, either before the write is sent (it never
 * happened) or after it succeeded (it happened, and the engine never learned it). Each kill abandons the whole
 * invocation, in-memory state included, and the batch is handed in again from its earliest failed record, as
 * Lambda's event source mapping does; timer ticks are repeated the same way. Afterwards the outbox must be exactly
 * what one clean run makes: every send, coupon and exposure once, none missing.
 *
 * The second test kills for real: the tagger and the engine run in a process of its own
 * (test/support/journeyWorker.ts) on the same storage, which SIGKILLs itself just after sending a write drawn at
 * random, so the write may be cut anywhere on the wire, and each next run starts the work over, as a new Lambda
 * invocation would.
 */
const stack = useTestStack();

// Enough writes that a run at this kill rate is killed 20 times: a finished run writes nothing more (a redelivered
// batch finds every effect applied), so the kills must come from the first pass through the journey.
const USERS = 16;
const MIN_KILLS = 20;
/** Users per workload of the SIGKILL test. */
const KILL_USERS = 5;
const WORKER = fileURLToPath(new URL('../support/journeyWorker.ts', import.meta.url));
/** The worker bundled once, so each run starts in a quarter of a second rather than tsx's second. */
const workerDir = mkdtempSync(join(tmpdir(), 'journey-worker-'));
const workerBundle = join(workerDir, 'journeyWorker.mjs');
before(() =>
  build({
    entryPoints: [WORKER],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: workerBundle,
    logLevel: 'error',
    // The bundled SDK's CommonJS parts call require.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  }),
);
after(() => rmSync(workerDir, { recursive: true, force: true }));

/**
 * Runs test/support/journeyWorker.ts on the workload in `file`, in a process of its own on the test stack's
 * storage, and has it SIGKILL itself on its `killAt`th write: the writes it made when it finished first, or null
 * when the kill landed (what it cut goes in `cut`). A run that fails on its own fails the test.
 */
function runWorker(file: string, killAt?: number, cut?: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerBundle, file, ...(killAt ? [String(killAt)] : [])], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const done = /^done (\d+)$/m.exec(out);
      if (done && code === 0) resolve(Number(done[1]));
      else if (signal === 'SIGKILL') {
        cut?.push(/^killed at (.*)$/m.exec(err)?.[1] ?? 'unknown');
        resolve(null);
      }
      else reject(new Error(`the journey worker failed (code ${code}): ${err}`));
    });
  });
}

/** The outbox is what one clean run of {@link faultJourney} makes for the users of `events`, and nothing else. */
async function assertExactlyOnce(outbox: OutboxItem[], events: readonly StoredEvent[]): Promise<void> {
  const users = events.length;
  const count = (kind: string, node?: string) => outbox.filter((o) => o.kind === kind && (!node || o.node === node)).length;
  assert.equal(count('MESSAGE', 'hello'), users, 'one hello each');
  assert.equal(count('MESSAGE', 'bye'), users, 'one bye each');
  assert.equal(count('ACTION'), users, 'one coupon each');
  assert.equal(count('EXPOSURE'), users, 'one exposure each');
  assert.equal(outbox.length, 4 * users, `nothing else: ${JSON.stringify(outbox.map((o) => o.idempotencyKey))}`);
  assert.equal(new Set(outbox.map((o) => `${o.kind}:${o.idempotencyKey}`)).size, outbox.length, 'every key once');
  for (const o of outbox.filter((m) => m.kind === 'MESSAGE')) assert.equal(o.status, 'SENT', o.detail);
  const enrollments = journeyTables().enrollments;
  for (const e of events) {
    // The code a user was sent is the coupon their ACTION recorded.
    const coupon = outbox.find((o) => o.kind === 'ACTION' && o.userId === e.userId)!.couponCode!;
    const bye = outbox.find((o) => o.node === 'bye' && o.userId === e.userId)!;
    assert.equal(bye.body, `Your code ${coupon}`);
    const [only, ...more] = await enrollmentsOfUser(enrollments, e.userId!);
    assert.equal(more.length, 0, `${e.userId} was enrolled once`);
    assert.deepEqual(only!.state.path, FAULT_PATH);
  }
}

/** Throws at random on journey-table writes and on PutRecords to the events stream, while `armed`. */
function installFaults(probability: number) {
  const state = { armed: false, kills: 0, before: 0, after: 0 };
  const journeyTables = new Set([process.env.ENROLLMENTS_TABLE, process.env.OUTBOX_TABLE, process.env.TIMERS_TABLE, process.env.JOBS_TABLE]);
  const writes = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'PutRecordsCommand']);
  const hook = (next: (a: any) => Promise<any>, context: { commandName?: string }) => async (args: any) => {
    const input = args.input as { TableName?: string; StreamName?: string };
    const target = input.TableName ? journeyTables.has(input.TableName) : input.StreamName === process.env.EVENTS_STREAM;
    if (!state.armed || !writes.has(context.commandName ?? '') || !target || Math.random() >= probability) return next(args);
    state.kills++;
    if (Math.random() < 0.5) {
      state.before++;
      throw new Error(`injected kill before ${context.commandName}`);
    }
    const out = await next(args);
    state.after++;
    throw new Error(`injected kill after ${context.commandName} (${out ? 'it was written' : ''})`);
  };
  dynamo().middlewareStack.add(hook as never, { step: 'initialize', name: 'journey-faults' });
  kinesis().middlewareStack.add(hook as never, { step: 'initialize', name: 'journey-faults' });
  return {
    state,
    remove() {
      dynamo().middlewareStack.remove('journey-faults');
      kinesis().middlewareStack.remove('journey-faults');
    },
  };
}

describe('journey engine under random kills', () => {
  it(`keeps the outbox exact through at least ${MIN_KILLS} kills at random points`, async () => {
    const campaignId = await activeCampaign(stack, 'faults', faultJourney('fault_trigger'));
    const ctx = engineContext();
    const events = faultTriggers('fault_trigger', 'fault', USERS);
    // A batch that also holds each trigger twice (a client resend): still one enrollment per user.
    const records = [...events, ...events].map((e) => record(e));

    const faults = installFaults(0.2);
    let batchAttempts: number;
    let ticks: number;
    try {
      faults.state.armed = true;
      batchAttempts = await untilProcessed(ctx, records);
      // Timer ticks, each of which may be killed, until every enrollment has finished.
      ticks = await untilCompleted(ctx, events.map((e) => e.userId!));
      // A redelivery of the whole batch once everything is done (at-least-once) still changes nothing.
      batchAttempts += await untilProcessed(ctx, records.map((r) => record(JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).event)));
    } finally {
      faults.state.armed = false;
      faults.remove();
    }
    assert.ok(faults.state.kills >= MIN_KILLS, `${faults.state.kills} kills (${faults.state.before} before a write, ${faults.state.after} after)`);
    assert.ok(faults.state.before > 0 && faults.state.after > 0, 'kills both before and after writes');

    await assertExactlyOnce(await allOutbox(campaignId), events);
    assert.ok(batchAttempts > 1 && ticks > 0);
  });

  it(`keeps the outbox exact when the engine's process is SIGKILLed ${MIN_KILLS} times mid-work`, async () => {
    const campaignId = await activeCampaign(stack, 'kills', faultJourney('kill_trigger'));
    const dir = mkdtempSync(join(tmpdir(), 'journey-kills-'));
    const done: StoredEvent[] = [];
    const cut: string[] = [];
    let killedWorkloads = 0;
    const workloadFile = (workload: number) => {
      const events = faultTriggers('kill_trigger', `kill${workload}`, KILL_USERS);
      const file = join(dir, `${workload}.json`);
      writeFileSync(file, JSON.stringify(events));
      done.push(...events);
      return file;
    };
    try {
      // A clean run counts a workload's writes, so the kills fall on any of them, the tagger's included.
      const writes = await runWorker(workloadFile(0));
      assert.ok(writes && writes > 20, `a clean run finishes the work (${writes} writes)`);
      // Each workload is run until a run gets through it: each next run finds the work part done, with whatever
      // the killed one's last write left, and does less, so a kill drawn past its writes lets it finish.
      for (let workload = 1; cut.length < MIN_KILLS; workload++) {
        const file = workloadFile(workload);
        const before = cut.length;
        while (cut.length < MIN_KILLS && (await runWorker(file, 1 + Math.floor(Math.random() * writes), cut)) === null) {
          assert.ok(cut.length < 200, 'the kills never let a run through');
        }
        if (cut.length > before) killedWorkloads++;
        // The last workload is finished by a run that is not killed.
        if (cut.length >= MIN_KILLS) assert.notEqual(await runWorker(file), null, 'a clean run finishes the work');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(new Set(cut).size >= 3, `the kills cut several kinds of write: ${cut.join(', ')}`);
    assert.ok(killedWorkloads > 1, `the kills spanned more than one workload (${killedWorkloads})`);
    await assertExactlyOnce(await allOutbox(campaignId), done);
  });

  it('does not take a campaign activated after the cache loaded for a draft (its timers would be dropped)', async () => {
    const tables = journeyTables();
    const cache = new CampaignCache(tables, 3600, { defaultTimeZone: 'UTC' });
    await cache.byId(); // loaded before the campaign exists
    const journey = { trigger: { kind: 'EVENT', event: 'late_cache' }, start: 'e', nodes: { e: { type: 'EXIT' } } };
    const id = (await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "late", journey: $j }) { id } }', { j: journey })).json.data.createCampaign.id;
    assert.equal((await cache.campaign(id))?.status, 'DRAFT');
    await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
    assert.equal((await cache.byId()).get(id)?.status, 'DRAFT', 'the cached list is still the old one');
    assert.equal((await cache.campaign(id))?.status, 'ACTIVE', 'a draft is re-read');
  });
});
