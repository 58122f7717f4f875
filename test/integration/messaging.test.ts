import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { gql, postJson, track, useTestStack, waitFor } from '../support/stack.js';

/*
 * Email through SES and SMS through End User Messaging, end to end on the local stack with sender identities
 * set (MESSAGING_SETTINGS): the real SDK clients talk to a loopback receiver that answers as SES v2 (REST JSON)
 * and End User Messaging SMS (JSON 1.0) do. Addresses come from what ingest kept, sealed, before it turned them
 * into digests; erasure removes them.
 */

interface Received {
  service: 'ses' | 'sms';
  body: Record<string, any>;
}
const received: Received[] = [];
let receiver: Server;
const saved: Record<string, string | undefined> = {};
const ENV_SET = ['MESSAGING_SETTINGS', 'AWS_ENDPOINT_URL_SESV2', 'AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2'];
const MESSAGING = {
  email: { from: 'Shop <news@mail.example.com>', identity: 'mail.example.com', configurationSet: 'opsgraph-mail' },
  sms: { originationIdentityArn: 'arn:aws:sms-voice:us-east-1:123456789012:phone-number/phone-0123abcd' },
};

async function startReceiver(): Promise<string> {
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      if (req.url === '/v2/email/outbound-emails') {
        const to = body.Destination?.ToAddresses?.[0];
        if (to === 'refused@example.com') {
          // As SES refuses an unverified recipient in the sandbox: the message names the address.
          res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected' });
          res.end(JSON.stringify({ message: `Email address is not verified. The following identities failed the check in region US-EAST-1: ${to}` }));
          return;
        }
        received.push({ service: 'ses', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ MessageId: `ses-${received.length}` }));
        return;
      }
      if (req.headers['x-amz-target'] === 'PinpointSMSVoiceV2.SendTextMessage') {
        received.push({ service: 'sms', body });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ MessageId: `sms-${received.length}` }));
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}

const stack = useTestStack({
  schedules: ['journeyTimers', 'privacy'],
  async beforeStart() {
    const url = await startReceiver();
    for (const name of ENV_SET) saved[name] = process.env[name];
    Object.assign(process.env, { MESSAGING_SETTINGS: JSON.stringify(MESSAGING), AWS_ENDPOINT_URL_SESV2: url, AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: url });
  },
  async afterClose() {
    for (const name of ENV_SET) if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
    await new Promise((r) => receiver.close(r));
  },
});

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

async function ingest(events: unknown[]) {
  const r = await postJson(stack.ingestUrl, { events }, stack.apiKey);
  assert.equal(r.status, 200, JSON.stringify(r.json));
}

async function outbox(campaignId: string) {
  const r = await gql(stack, `{ outbox(campaignId: "${campaignId}", first: 50) { edges { node { userId node channel status reason detail } } } }`);
  assert.ok(r.json.data, JSON.stringify(r.json.errors));
  return (r.json.data.outbox.edges as Array<{ node: Record<string, any> }>).map((e) => e.node);
}

describe('email and sms delivery', () => {
  it('sends to the kept address through SES and End User Messaging, once; no address or a refusal is FAILED with why, addresses left out', async () => {
    const journey = {
      trigger: { kind: 'EVENT', event: 'mail_test' },
      start: 'mail',
      nodes: {
        mail: { type: 'SEND', channel: 'email', purpose: 'transactional', message: { subject: 'Your receipt', body: 'Thanks, {{traits.name}}' }, next: 'text' },
        text: { type: 'SEND', channel: 'sms', purpose: 'marketing', message: { body: 'Code SAVE10' }, next: 'end' },
        end: { type: 'EXIT' },
      },
    };
    const created = await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "mail", journey: $j }) { id } }', { j: journey });
    const id = created.json.data.createCampaign.id as string;
    await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
    await new Promise((r) => setTimeout(r, 1100));
    const traits = { consent: { marketing: true }, name: 'Ann', timezone: 'UTC' };
    await ingest([
      { type: 'identify', userId: 'mail-1', timestamp: hoursAgo(3), traits: { ...traits, email: ' Ann.Mail@Example.com ', phone: '+44 7700 900123' } },
      { type: 'identify', userId: 'mail-2', timestamp: hoursAgo(3), traits },
      { type: 'identify', userId: 'mail-3', timestamp: hoursAgo(3), traits: { ...traits, email: 'refused@example.com' } },
    ]);
    // The kept address is sealed: the item holds no trace of it.
    const kept = await waitFor(async () => {
      const user = (await gql(stack, '{ user(id: "mail-1") { identities { kind value } } }')).json.data?.user;
      return user?.identities.some((i: { kind: string }) => i.kind === 'EMAIL') ? user : null;
    }, 'mail-1 folded');
    const email = kept.identities.find((i: { kind: string }) => i.kind === 'EMAIL');
    const item = (await dynamo().send(new GetCommand({ TableName: process.env.CONTACTS_TABLE!, Key: { id: `EMAIL#${email.value}` } }))).Item;
    assert.ok(item, 'the address is kept under its identity key');
    assert.doesNotMatch(JSON.stringify(item), /ann\.mail|example\.com/i);

    await ingest([track('mail-1', 'mail_test', hoursAgo(1)), track('mail-2', 'mail_test', hoursAgo(1)), track('mail-3', 'mail_test', hoursAgo(1))]);
    const all = await waitFor(async () => {
      const m = await outbox(id);
      // A message being delivered is QUEUED ('delivering') under its lease until the provider answers.
      return m.length === 6 && m.every((x) => x.status !== 'QUEUED') ? m : null;
    }, 'six outcomes');
    const of = (userId: string, node: string) => all.find((m) => m.userId === userId && m.node === node)!;

    assert.equal(of('mail-1', 'mail').status, 'SENT', of('mail-1', 'mail').detail);
    assert.match(of('mail-1', 'mail').detail, /^SES message ses-\d+$/);
    assert.equal(of('mail-1', 'text').status, 'SENT', of('mail-1', 'text').detail);
    assert.match(of('mail-1', 'text').detail, /^SMS message sms-\d+$/);
    const mails = received.filter((r) => r.service === 'ses');
    const texts = received.filter((r) => r.service === 'sms');
    assert.equal(mails.length, 1, 'one email: mail-2 has no address, mail-3 was refused');
    assert.equal(texts.length, 1, 'one text: only mail-1 has a phone');
    assert.deepEqual(mails[0]!.body.Destination, { ToAddresses: ['ann.mail@example.com'] });
    assert.equal(mails[0]!.body.FromEmailAddress, MESSAGING.email.from);
    assert.equal(mails[0]!.body.ConfigurationSetName, 'opsgraph-mail');
    assert.equal(mails[0]!.body.Content.Simple.Subject.Data, 'Your receipt');
    assert.equal(mails[0]!.body.Content.Simple.Body.Text.Data, 'Thanks, Ann');
    assert.ok(mails[0]!.body.Content.Simple.Headers.some((h: { Name: string }) => h.Name === 'X-Opsgraph-Idempotency-Key'));
    assert.equal(texts[0]!.body.DestinationPhoneNumber, '+447700900123');
    assert.equal(texts[0]!.body.OriginationIdentity, MESSAGING.sms.originationIdentityArn);
    assert.equal(texts[0]!.body.MessageType, 'PROMOTIONAL', 'a marketing text');

    for (const node of ['mail', 'text']) {
      assert.equal(of('mail-2', node).status, 'FAILED');
      assert.equal(of('mail-2', node).reason, 'NO_ADDRESS');
    }
    const refused = of('mail-3', 'mail');
    assert.equal(refused.status, 'FAILED');
    assert.equal(refused.reason, 'DELIVERY');
    assert.match(refused.detail, /^SES did not take it: MessageRejected: /);
    assert.doesNotMatch(refused.detail, /refused@example\.com/, 'the address SES quoted is redacted');
  });

  it('exports the kept addresses to an admin, and erasure deletes them', async () => {
    const exported = (await gql(stack, '{ exportUser(userId: "mail-1") }')).json.data.exportUser;
    assert.deepEqual(exported.contacts.map((c: { kind: string; address: string }) => `${c.kind} ${c.address}`).sort(), ['EMAIL ann.mail@example.com', 'PHONE +447700900123']);
    const job = (await gql(stack, 'mutation { requestErasure(userId: "mail-1") { id } }')).json.data.requestErasure;
    const done = await waitFor(async () => {
      const j = (await gql(stack, `{ erasureJob(id: "${job.id}") { status stores { store status deleted } } }`)).json.data.erasureJob;
      return j.status === 'COMPLETED' ? j : null;
    }, 'the erasure', 30_000);
    assert.deepEqual(done.stores.find((s: { store: string }) => s.store === 'contacts'), { store: 'contacts', status: 'COMPLETED', deleted: 2 });
  });
});
