import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { generateKey, putApiKey } from '../../core/auth/apiKeys.js';
import { kinesis } from '../../core/aws/kinesis.js';
import { listAudit } from '../../core/store/audit.js';
import { gql, postJson, track, useTestStack, waitFor } from '../support/stack.js';

/*
 * Personal data on the local stack: emails and phones keyed-hashed before the stream, free text redacted, PII traits
 * masked without profiles:pii, unmasked reads audited, and a stage's own PII keys (PII_TRAITS) honoured.
 */
process.env.PII_TRAITS = 'loyalty_card';
const stack = useTestStack();

const CARD = '4111 1111 1111 1111';

/** Every record of the events stream, as text. */
async function streamText(): Promise<string> {
  const name = process.env.EVENTS_STREAM!;
  let all = '';
  for (const shard of (await kinesis().send(new ListShardsCommand({ StreamName: name }))).Shards ?? []) {
    let iterator = (await kinesis().send(new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' })))
      .ShardIterator;
    for (let i = 0; iterator && i < 50; i++) {
      const page = await kinesis().send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const r of page.Records ?? []) all += Buffer.from(r.Data!).toString('utf8') + '\n';
      if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return all;
}

const USER = `query($id: ID!) { user(id: $id) { traits identities { kind value } events { edges { node { event properties } } } } }`;

describe('personal data', () => {
  it('never puts a raw email, phone or card number on the stream; links by a keyed hash', async () => {
    const now = new Date().toISOString();
    const r = await postJson(
      stack.ingestUrl,
      {
        events: [
          {
            type: 'identify',
            userId: 'pii-1',
            timestamp: now,
            traits: { email: 'Ann.Private@Example.com', phone: '+44 7700 900123', firstName: 'Ann', address: { city: 'Leeds' }, plan: 'pro', loyalty_card: 'LC-991' },
            context: { traits: { email: 'Ann.Private@Example.com' } },
          },
          track('pii-1', 'message_received', now, { text: `my card is ${CARD}, write to ann.private@example.com or call 07700 900123` }),
        ],
      },
      stack.apiKey,
    );
    assert.equal(r.json.accepted, 2, JSON.stringify(r.json));
    await waitFor(async () => (await gql(stack, USER, { id: 'pii-1' })).json.data?.user?.events.edges.length === 2, 'the profile');

    const stream = await streamText();
    assert.ok(stream.includes('pii-1'), 'the records are there');
    for (const raw of ['Ann.Private@Example.com', 'ann.private@example.com', '900123', '4111']) assert.ok(!stream.includes(raw), `${raw} is not on the stream`);
    const secret = (await readFile(join(stack.dataDir, 'identity-secret'), 'utf8')).trim();
    const digest = createHmac('sha256', secret).update('ann.private@example.com').digest('hex');
    assert.ok(stream.includes(`hmac:${digest}`), 'the email travels as its HMAC under the stage key');

    const u = (await gql(stack, USER, { id: 'pii-1' })).json.data.user;
    assert.deepEqual(
      u.identities.filter((i: any) => i.kind === 'EMAIL' || i.kind === 'PHONE').map((i: any) => [i.kind, i.value]).sort(),
      [['EMAIL', digest], ['PHONE', createHmac('sha256', secret).update('+447700900123').digest('hex')]],
    );
    const found = await gql(stack, '{ userByIdentity(kind: EMAIL, value: " ANN.private@example.com ") { id } }');
    assert.equal(found.json.data.userByIdentity?.id, 'pii-1');
    const text = u.events.edges.find((e: any) => e.node.event === 'message_received').node.properties.text;
    assert.equal(text, 'my card is [card], write to [email] or call [phone]');
  });

  it('masks PII traits without profiles:pii and audits every unmasked read', async () => {
    const reader = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, reader, { name: 'support-reader', scopes: ['profiles:read'] });
    const piiReader = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, piiReader, { name: 'dpo', scopes: ['profiles:read', 'profiles:pii'] });
    await waitFor(async () => (await gql(stack, USER, { id: 'pii-1' })).json.data?.user, 'the profile');

    const before = (await listAudit(process.env.AUDIT_TABLE!, 'pii#pii-1')).length;
    const masked = (await gql(stack, USER, { id: 'pii-1' }, reader)).json.data.user;
    assert.deepEqual(masked.traits, { firstName: '[masked]', address: '[masked]', plan: 'pro', loyalty_card: '[masked]' });
    assert.equal((await listAudit(process.env.AUDIT_TABLE!, 'pii#pii-1')).length, before, 'a masked read is not an unmasked one');

    const shown = (await gql(stack, USER, { id: 'pii-1' }, piiReader)).json.data.user;
    assert.deepEqual(shown.traits, { firstName: 'Ann', address: { city: 'Leeds' }, plan: 'pro', loyalty_card: 'LC-991' });
    const audit = await listAudit(process.env.AUDIT_TABLE!, 'pii#pii-1');
    const latest = audit.find((a) => a.detail.by === 'dpo');
    assert.ok(latest, JSON.stringify(audit));
    assert.equal(latest!.action, 'pii_read');
    assert.deepEqual(latest!.detail.paths, ['firstName', 'address', 'loyalty_card']);
    assert.ok(!JSON.stringify(audit).includes('Ann') && !JSON.stringify(audit).includes('LC-991'), 'the audit names the fields, never their values');
  });
});
