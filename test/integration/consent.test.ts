import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { join } from 'node:path';
import { archivedEventsOf } from '../../core/analytics/archive/files.js';
import { FolderArchiveFiles } from '../../core/analyticsEngine/archiveFiles.js';
import { listAudit } from '../../core/store/audit.js';
import { gql, postJson, track, useTestStack, waitFor } from '../support/stack.js';

/*
 * Consent per purpose on the local stack: changes audited with time and source, and a person who refuses
 * `analytics` kept out of user-level analytics state (distinct-user sketches, new users, experiment units, the
 * event archive) while
 * their orders still count in the totals.
 */
const stack = useTestStack();
const DAY = '2025-03-03';

const METRIC = `query($m: Metric!) { metric(metric: $m, from: "${DAY}T00:00:00Z", to: "${DAY}T23:59:59Z", granularity: DAY) { points { value } } }`;
const metricValue = async (m: string) => (await gql(stack, METRIC, { m })).json.data?.metric?.[0]?.points?.[0]?.value ?? 0;

describe('consent', () => {
  it('audits each change with its time and source', async () => {
    const at = '2026-11-30T09:00:00.000Z';
    const r = await postJson(
      stack.ingestUrl,
      { events: [{ type: 'identify', userId: 'consent-a', eventId: 'c-1', timestamp: at, traits: { consent: { marketing: true, analytics: false } }, context: { channel: 'web' } }] },
      stack.apiKey,
    );
    assert.equal(r.json.accepted, 1);
    await waitFor(async () => (await gql(stack, '{ user(id: "consent-a") { consent } }')).json.data?.user?.consent?.analytics === false, 'the consent');
    const audit = (await listAudit(process.env.AUDIT_TABLE!, 'profile#consent-a')).filter((a) => a.action === 'consent_changed');
    assert.deepEqual(
      audit.map((a) => [a.detail.purpose, a.detail.granted, a.detail.previous, a.detail.eventId, a.detail.channel, a.at.split('#')[0]]).sort(),
      [['analytics', false, null, 'c-1', 'web', at], ['marketing', true, null, 'c-1', 'web', at]],
    );
    // Changing one purpose audits that one only, with what it was.
    await postJson(stack.ingestUrl, { events: [{ type: 'identify', userId: 'consent-a', eventId: 'c-2', timestamp: '2026-11-30T10:00:00Z', traits: { consent: { marketing: false, analytics: false } } }] }, stack.apiKey);
    await waitFor(async () => (await gql(stack, '{ user(id: "consent-a") { consent } }')).json.data?.user?.consent?.marketing === false, 'the change');
    const after = (await listAudit(process.env.AUDIT_TABLE!, 'profile#consent-a')).filter((a) => a.action === 'consent_changed');
    assert.equal(after.length, 3);
    assert.deepEqual(after.find((a) => a.detail.eventId === 'c-2')!.detail, { purpose: 'marketing', granted: false, previous: true, eventId: 'c-2', channel: null });
  });

  it('keeps whoever refuses analytics out of user-level analytics state, not out of the totals', async () => {
    // consent-a refused analytics above; consent-b never answered.
    await waitFor(async () => (await dynamo().send(new GetCommand({ TableName: process.env.CONSENT_TABLE!, Key: { userId: 'consent-a' } }))).Item, 'the consent record');
    const now = new Date().toISOString();
    await gql(stack, 'mutation($i: ExperimentInput!) { createExperiment(input: $i) { id } }', {
      i: { key: 'consent-exp', name: 'c', variants: [{ key: 'a' }, { key: 'b' }], metrics: [{ name: 'm', kind: 'COUNT', event: 'login' }], startAt: now },
    });
    await gql(stack, 'mutation { setExperimentStatus(id: "consent-exp", status: RUNNING) { status } }');
    await new Promise((r) => setTimeout(r, 1100)); // the experiments function's cache (1 s in tests)
    const orders = ['consent-a', 'consent-b'].map((u) => track(u, 'order_completed', `${DAY}T12:00:00Z`, { orderId: `${u}-1`, revenue: 10 }));
    assert.equal((await postJson(stack.ingestUrl, { events: orders }, stack.apiKey)).json.accepted, 2);
    for (const u of ['consent-a', 'consent-b']) await gql(stack, `mutation { assignExperiment(id: "consent-exp", userId: "${u}") { inExperiment } }`);

    await waitFor(async () => (await metricValue('ORDERS')) === 2, 'both orders in the totals');
    assert.equal(await metricValue('REVENUE'), 20);
    assert.equal(await metricValue('BUYERS'), 1, 'only consent-b is a distinct buyer');
    assert.equal(await metricValue('ACTIVE_USERS'), 1);
    const unit = (u: string) => dynamo().send(new GetCommand({ TableName: process.env.EXPERIMENT_UNITS_TABLE!, Key: { experimentId: 'consent-exp', userId: u } }));
    await waitFor(async () => (await unit('consent-b')).Item, "consent-b's experiment unit");
    assert.equal((await unit('consent-a')).Item, undefined, 'no experiment unit for consent-a');
    // The event archive (funnels, retention) has consent-b's order, not consent-a's.
    const buyers = `{ funnel(from: "${DAY}T00:00:00Z", to: "${DAY}T23:59:59Z", steps: [{ event: "order_completed" }]) { steps { users } } }`;
    await waitFor(async () => (await gql(stack, buyers)).json.data?.funnel.steps[0].users === 1, "consent-b's archived order");
    const files = new FolderArchiveFiles(join(stack.dataDir, 'archive'));
    // (Only the order: the identify that carried the refusal may be archived before the tagger records it.)
    const archived = await archivedEventsOf(files, ['consent-a']);
    assert.deepEqual(archived.filter((r) => r.event === 'order_completed'), [], "consent-a's order is not archived");
  });
});
