import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { firstSeenKey } from '../../core/analyticsEngine/series.js';
import { join } from 'node:path';
import { parseFailureDocument, recordsOf } from '../../core/deadLetters/document.js';
import { FileDeadLetterSource } from '../../core/deadLetters/fileSource.js';
import { FolderArchiveFiles } from '../../core/analyticsEngine/archiveFiles.js';
import { readArchiveFile } from '../../core/analytics/archive/files.js';
import { ERASURE_STORES, runErasure, type ErasureStores } from '../../core/privacyEngine/erasure.js';
import { saveErasureJob } from '../../core/privacyEngine/store/erasureJobs.js';
import { listAudit } from '../../core/store/audit.js';
import { queryPartition } from '../../core/store/partitions.js';
import { gql, postJson, track, useTestStack, waitFor } from '../support/stack.js';

/*
 * Erasure and export through the running stack: a person with a profile, an email identity, a tag membership, a
 * journey enrollment with its outbox item, an experiment unit, first-seen analytics state and audit entries is
 * exported whole, then erased by the privacy function; afterwards no query and no store holds them, and the audit
 * keeps only the fact of the erasure.
 */
const stack = useTestStack({ schedules: ['privacy'] });

const JOB = 'id userId status requestedAt requestedBy completedAt stores { store status deleted }';
const env = (name: string) => process.env[name]!;

async function personWithEverything(userId: string) {
  const now = new Date().toISOString();
  const rule = await gql(stack, `mutation { createTagRule(input: { tag: "erase_buyer", expression: "count(\\"order_completed\\") >= 1" }) { id } }`);
  assert.equal(rule.json.errors, undefined, JSON.stringify(rule.json));
  const journey = {
    trigger: { kind: 'EVENT', event: 'erase_entry' },
    start: 'split',
    nodes: {
      split: { type: 'RANDOM', branches: [{ percent: 50, next: 'wait' }, { percent: 50, next: 'wait' }] },
      wait: { type: 'WAIT', duration: 'P30D', next: 'end' },
      end: { type: 'EXIT' },
    },
  };
  const campaign = await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "erase", journey: $j }) { id } }', { j: journey });
  const campaignId = campaign.json.data.createCampaign.id;
  await gql(stack, `mutation { setCampaignStatus(id: "${campaignId}", status: ACTIVE) { status } }`);
  const experiment = await gql(stack, 'mutation($i: ExperimentInput!) { createExperiment(input: $i) { id } }', {
    i: { key: 'erase-exp', name: 'erase', variants: [{ key: 'a' }, { key: 'b' }], metrics: [{ name: 'm', kind: 'COUNT', event: 'login' }], startAt: now },
  });
  assert.equal(experiment.json.errors, undefined, JSON.stringify(experiment.json));
  await gql(stack, 'mutation { setExperimentStatus(id: "erase-exp", status: RUNNING) { status } }');
  await new Promise((r) => setTimeout(r, 1100)); // the journey and experiment functions' caches (1 s in tests)

  const ingest = await postJson(
    stack.ingestUrl,
    {
      events: [
        { type: 'identify', userId, timestamp: now, traits: { email: `${userId}@example.com`, name: 'Erin', plan: 'pro' } },
        track(userId, 'order_completed', now, { orderId: `${userId}-o1`, revenue: 10 }),
        track(userId, 'erase_entry', now),
      ],
    },
    stack.apiKey,
  );
  assert.equal(ingest.json.accepted, 3, JSON.stringify(ingest.json));
  await gql(stack, `mutation { assignExperiment(id: "erase-exp", userId: "${userId}") { inExperiment } }`);
  await waitFor(async () => {
    const u = (await gql(stack, `{ user(id: "${userId}") { tags { name } traits enrollments { campaignId } } }`)).json.data?.user;
    return u?.tags.some((t: any) => t.name === 'erase_buyer') && u.enrollments.length === 1 && u.traits.name ? u : null;
  }, 'the tag, the enrollment and the traits');
  await waitFor(async () => (await queryPartition(env('OUTBOX_TABLE'), { name: 'userId', value: userId })).length > 0, 'the outbox item');
  await waitFor(
    async () => (await dynamo().send(new GetCommand({ TableName: env('EXPERIMENT_UNITS_TABLE'), Key: { experimentId: 'erase-exp', userId } }))).Item,
    'the experiment unit',
  );
  await waitFor(async () => (await dynamo().send(new GetCommand({ TableName: env('AGGREGATES_TABLE'), Key: firstSeenKey(userId) }))).Item, 'first-seen state');
}

describe('erasure and export', () => {
  it('exports everything held about a person, then erases it from every store', async () => {
    const userId = 'erase-me';
    await personWithEverything(userId);
    // A second person, untouched by the erasure.
    await postJson(stack.ingestUrl, { events: [track('keep-me', 'order_completed', new Date().toISOString(), { orderId: 'k1', revenue: 5 })] }, stack.apiKey);
    await waitFor(async () => (await gql(stack, '{ user(id: "keep-me") { id } }')).json.data?.user, 'the other person');

    // A failed batch holding both people's records, as the tagger's mapping would have dead-lettered it.
    const record = (u: string, seq: string) => ({
      kinesis: { partitionKey: u, sequenceNumber: seq, data: Buffer.from(JSON.stringify({ v: 1, event: { eventId: `${u}-dl`, type: 'track', event: 'login', userId: u } })).toString('base64') },
    });
    const deadLetterId = await stack.deadLetters.get('tagger')!.put({
      requestContext: { requestId: 'r', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:opsgraph-local-tagger', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      version: '1.0',
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: { shardId: 'shardId-000000000000', startSequenceNumber: '1', endSequenceNumber: '2', approximateArrivalOfFirstRecord: '', approximateArrivalOfLastRecord: '', batchSize: 2, streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/opsgraph-local-events' },
      payload: JSON.stringify({ Records: [record(userId, '1'), record('keep-me', '2')] }),
    });

    // The archiver has both people's events (a batching window of 1 s locally).
    const archive = new FolderArchiveFiles(join(stack.dataDir, 'archive'));
    // Every archived row as JSON text, so the checks below can look for a person's id in any column.
    const archivedText = async () => JSON.stringify(await Promise.all((await archive.list()).map((k) => readArchiveFile(archive, k))));
    await waitFor(async () => {
      const text = await archivedText();
      return text.includes('"erase_entry"') && text.includes('"keep-me"');
    }, 'the archived events');

    const exported = (await gql(stack, `{ exportUser(userId: "${userId}") }`)).json.data.exportUser;
    assert.equal(exported.found, true);
    const history = new Set(exported.events.map((e: any) => e.event ?? e.type));
    for (const name of ['identify', 'order_completed', 'erase_entry']) assert.ok(history.has(name), `the archived history has ${name}: ${[...history]}`);
    assert.equal(exported.profile.traits.name, 'Erin', 'the export is unmasked');
    assert.ok(exported.profile.identities.some((i: any) => i.kind === 'EMAIL'));
    assert.equal(exported.enrollments.length, 1);
    assert.ok(exported.outbox.length >= 1);
    // Retention is stage data: outbox items expire (DynamoDB TTL) 400 days after they were made, locally.
    for (const item of exported.outbox) assert.equal(item.expiresAt, Math.floor(Date.parse(item.createdAt) / 1000) + 400 * 86_400);
    assert.equal(exported.experiments.length, 1);
    assert.ok(exported.audit.length >= 0);
    const emailKey = `EMAIL#${exported.profile.identities.find((i: any) => i.kind === 'EMAIL').value}`;

    const requested = (await gql(stack, `mutation { requestErasure(userId: "${userId}") { ${JOB} } }`)).json.data.requestErasure;
    assert.equal(requested.status, 'PENDING');
    const again = (await gql(stack, `mutation { requestErasure(userId: "${userId}") { id } }`)).json.data.requestErasure;
    assert.equal(again.id, requested.id, 'an open job is returned, not doubled');
    const done = await waitFor(async () => {
      const j = (await gql(stack, `{ erasureJob(id: "${requested.id}") { ${JOB} } }`)).json.data.erasureJob;
      return j.status === 'COMPLETED' ? j : null;
    }, 'the erasure', 30_000);
    const listed = (await gql(stack, `{ erasureJobs(first: 5) { id userId status } }`)).json.data.erasureJobs;
    assert.deepEqual(listed[0], { id: requested.id, userId, status: 'COMPLETED' }, 'the newest job leads the listing');
    const deleted = Object.fromEntries(done.stores.map((s: any) => [s.store, s.deleted]));
    assert.ok(done.stores.every((s: any) => s.status === 'COMPLETED'));
    for (const store of ['identities', 'memberships', 'enrollments', 'outbox', 'experimentUnits', 'analytics', 'archive', 'deadLetters', 'audit', 'profiles']) {
      assert.ok(deleted[store] >= 1, `${store}: ${JSON.stringify(done.stores)}`);
    }

    // No query holds the person...
    const q = await gql(stack, `{ user(id: "${userId}") { id } byEmail: userByIdentity(kind: EMAIL, value: "${userId}@example.com") { id } users(filter: { tag: "erase_buyer" }) { edges { node { id } } } }`);
    assert.equal(q.json.data.user, null);
    assert.equal(q.json.data.byEmail, null);
    assert.deepEqual(q.json.data.users.edges.map((e: any) => e.node.id), ['keep-me']);
    // ...and no store does.
    for (const [table, mentions] of [
      ['PROFILES_TABLE', userId],
      ['IDENTITIES_TABLE', emailKey],
      ['MEMBERSHIPS_TABLE', userId],
      ['ENROLLMENTS_TABLE', userId],
      ['OUTBOX_TABLE', userId],
      ['EXPERIMENT_UNITS_TABLE', userId],
      ['AUDIT_TABLE', `profile#${userId}`],
    ] as const) {
      const items = (await dynamo().send(new ScanCommand({ TableName: env(table) }))).Items ?? [];
      assert.ok(!items.some((i) => JSON.stringify(i).includes(mentions)), `${table} still mentions ${mentions}: ${JSON.stringify(items.filter((i) => JSON.stringify(i).includes(mentions)))}`);
    }
    assert.equal((await dynamo().send(new GetCommand({ TableName: env('AGGREGATES_TABLE'), Key: firstSeenKey(userId) }))).Item, undefined);
    assert.ok(deleted.archive >= exported.events.length, `every archived event of theirs: ${deleted.archive}`);
    const archivedAfter = await archivedText();
    assert.ok(!archivedAfter.includes(`"${userId}"`), 'the archive no longer holds the person');
    assert.ok(archivedAfter.includes('"keep-me"'), "the other person's events stay archived");
    const letter = parseFailureDocument(await stack.deadLetters.get('tagger')!.readText(deadLetterId));
    assert.deepEqual(recordsOf(letter).map((r) => r.partitionKey), ['keep-me'], "the dead letter keeps only the other person's record");
    const fact = await listAudit(env('AUDIT_TABLE'), `erasure#${requested.id}`);
    assert.equal(fact.length, 1);
    assert.equal(fact[0]!.action, 'erasure_completed');
    assert.ok(!JSON.stringify(fact).includes('Erin'), 'the fact, not the data');
    // The other person is intact; an erasure of nobody completes with nothing deleted.
    assert.ok((await gql(stack, '{ user(id: "keep-me") { id } }')).json.data.user);
    const nobody = (await gql(stack, '{ exportUser(userId: "never-seen") }')).json.data.exportUser;
    assert.equal(nobody.found, false);
  });

  it('resumes a failed run where it stopped, without redoing the stores already done', async () => {
    const userId = 'erase-resume';
    await postJson(stack.ingestUrl, { events: [{ type: 'identify', userId, timestamp: new Date().toISOString(), traits: { email: 'resume@example.com' } }] }, stack.apiKey);
    await waitFor(async () => (await gql(stack, `{ user(id: "${userId}") { id } }`)).json.data?.user, 'the profile');
    const stores: ErasureStores = { deadLetters: new FileDeadLetterSource(join(stack.dataDir, 'dead-letters')), archive: new FolderArchiveFiles(join(stack.dataDir, 'archive')), tables: {
      profiles: env('PROFILES_TABLE'), identities: env('IDENTITIES_TABLE'), memberships: env('MEMBERSHIPS_TABLE'), enrollments: env('ENROLLMENTS_TABLE'),
      outbox: env('OUTBOX_TABLE'), experiments: env('EXPERIMENTS_TABLE'), experimentUnits: env('EXPERIMENT_UNITS_TABLE'), aggregates: env('AGGREGATES_TABLE'),
      audit: env('AUDIT_TABLE'), jobs: env('JOBS_TABLE'), consent: env('CONSENT_TABLE'), contacts: env('CONTACTS_TABLE'),
    } };
    const { tables } = stores;
    // Not queued, so the scheduled privacy function leaves it to this test.
    const job = { id: 'er_resume', userId, status: 'PENDING' as const, requestedAt: new Date().toISOString(), requestedBy: 'test',
      stores: ERASURE_STORES.map((store) => ({ store, status: 'PENDING' as const, deleted: 0, attempts: 0 })) };
    await saveErasureJob(tables.jobs, job);
    const broken = await runErasure({ ...stores, tables: { ...tables, outbox: 'no-such-table' } }, job.id, new Date());
    assert.equal(broken!.status, 'RUNNING');
    const state = Object.fromEntries(broken!.stores.map((s) => [s.store, s]));
    assert.deepEqual([state.identities!.status, state.enrollments!.status, state.outbox!.status, state.outbox!.attempts, state.profiles!.status], ['COMPLETED', 'COMPLETED', 'PENDING', 1, 'PENDING']);
    assert.ok(state.identities!.deleted >= 1, 'the email link');
    assert.ok((await gql(stack, `{ user(id: "${userId}") { id } }`)).json.data.user, 'the profile is erased last');
    const resumed = await runErasure(stores, job.id, new Date());
    assert.equal(resumed!.status, 'COMPLETED');
    const after = Object.fromEntries(resumed!.stores.map((s) => [s.store, s]));
    assert.equal(after.identities!.deleted, state.identities!.deleted, 'a done store is not redone');
    assert.equal(after.profiles!.deleted, 1);
    assert.equal((await gql(stack, `{ user(id: "${userId}") { id } }`)).json.data.user, null);
  });

  it('only admins erase and export', async () => {
    const { generateKey, putApiKey } = await import('../../core/auth/apiKeys.js');
    const reader = generateKey();
    const readerKey = await putApiKey(env('API_KEYS_TABLE'), reader, { name: 'reader', scopes: ['profiles:read', 'profiles:pii'] });
    for (const query of ['mutation { requestErasure(userId: "x") { id } }', '{ exportUser(userId: "x") }', '{ erasureJob(id: "x") { id } }', '{ erasureJobs { id } }']) {
      const r = await gql(stack, query, {}, reader);
      assert.equal(r.json.errors?.[0]?.extensions?.code, 'FORBIDDEN', query);
    }
    // viewer needs no scope: it tells the console what to show.
    const viewer = (await gql(stack, '{ viewer { keyId name scopes } }', {}, reader)).json.data.viewer;
    assert.deepEqual(viewer, { keyId: readerKey.id, name: 'reader', scopes: ['profiles:read', 'profiles:pii'] });
  });
});
