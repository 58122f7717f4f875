import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { LOCAL_STAGE } from '../../local/environment.js';
import { listAudit } from '../../core/store/audit.js';
import { gql, postJson, track, useTestStack, waitFor } from '../support/stack.js';

/*
 * API key management through the running stack: keys made, listed, rotated and revoked through the gateway and
 * through `npm run keys`, each scope's boundary, expiry, daily quotas with Retry-After, metering, and the audit.
 */
const stack = useTestStack();
const run = promisify(execFile);

const KEY = 'id name scopes status rateLimitPerSecond dailyQuota createdAt createdBy expiresAt revokedAt rotatedFrom';

async function createKey(input: Record<string, unknown>) {
  const r = await gql(stack, `mutation($i: ApiKeyInput!) { createApiKey(input: $i) { key apiKey { ${KEY} } } }`, { i: input });
  assert.equal(r.json.errors, undefined, JSON.stringify(r.json.errors));
  return r.json.data.createApiKey as { key: string; apiKey: Record<string, any> };
}

const ingestWith = (key: string, userId = 'ak-user') =>
  postJson(stack.ingestUrl, { events: [track(userId, 'login', new Date().toISOString())] }, key);

async function fetchWithHeaders(url: string, body: unknown, key: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as any };
}

describe('API keys on the local stack', () => {
  it('creates a key shown once and stored only as its hash, lists it without secrets, and audits the change', async () => {
    const { key, apiKey } = await createKey({ name: 'partner-acme', scopes: ['events:write'], rateLimitPerSecond: 50, dailyQuota: 1000 });
    assert.match(key, /^og_[0-9a-f]{40}$/);
    assert.match(apiKey.id, /^key_[0-9a-f]{16}$/);
    assert.deepEqual(
      { name: apiKey.name, scopes: apiKey.scopes, status: apiKey.status, rate: apiKey.rateLimitPerSecond, quota: apiKey.dailyQuota, by: apiKey.createdBy },
      { name: 'partner-acme', scopes: ['events:write'], status: 'ACTIVE', rate: 50, quota: 1000, by: 'admin' },
    );
    assert.equal((await ingestWith(key)).status, 200);

    const listed = await gql(stack, `{ apiKeys { ${KEY} } }`);
    const mine = listed.json.data.apiKeys.find((k: any) => k.id === apiKey.id);
    assert.deepEqual(mine, apiKey);
    assert.ok(!JSON.stringify(listed.json).includes(key), 'the listing never holds a key');

    const items = (await dynamo().send(new ScanCommand({ TableName: process.env.API_KEYS_TABLE! }))).Items ?? [];
    const stored = items.find((i) => i.id === apiKey.id)!;
    assert.equal(stored.keyHash, createHash('sha256').update(key).digest('hex'));
    assert.ok(!JSON.stringify(items).includes(key), 'the table never holds a key');

    const audit = await listAudit(process.env.AUDIT_TABLE!, `apikey#${apiKey.id}`);
    assert.deepEqual(audit.map((a) => a.action), ['apikey_created']);
    const auditItem = audit[0] as unknown as { at: string; expiresAt: number };
    assert.equal(auditItem.expiresAt, Math.floor(Date.parse(auditItem.at.split('#')[0]!) / 1000) + 2557 * 86_400, 'audit retention: 7 years by default');
    assert.equal(audit[0]!.detail.by, 'admin');
    assert.ok(!JSON.stringify(audit).includes(key) && !JSON.stringify(audit).includes(String(stored.keyHash)), 'nor does the audit');
  });

  it('each operation needs only its own scope', async () => {
    const keys = Object.fromEntries(
      await Promise.all(
        ['events:write', 'profiles:read', 'segments:read', 'rules:write', 'campaigns:read', 'campaigns:write', 'analytics:read'].map(
          async (scope) => [scope, (await createKey({ name: `only-${scope}`, scopes: [scope] })).key] as const,
        ),
      ),
    );
    await postJson(stack.ingestUrl, { events: [track('ak-scoped', 'login', new Date().toISOString())] }, stack.apiKey);
    await waitFor(async () => (await gql(stack, '{ user(id: "ak-scoped") { id } }')).json.data?.user, 'the scoped user');

    const operations: Record<string, string> = {
      user: '{ user(id: "ak-scoped") { id } }',
      segments: '{ segments { id } }',
      members: '{ segments { members { edges { node { id } } } } }',
      createTagRule: 'mutation { createTagRule(input: { tag: "ak_scope_rule", expression: "count(\\"login\\") >= 1000" }) { id } }',
      campaigns: '{ campaigns { id } }',
      createCampaign: 'mutation { createCampaignFromTemplate(template: "new_user_nurture", name: "ak scoped") { id } }',
      metric: '{ churnBands { band users } }',
      apiKeys: '{ apiKeys { id } }',
    };
    // Which scope may run what; admin may run everything (every other test here uses it).
    const allowed: Record<string, string[]> = {
      'events:write': [],
      'profiles:read': ['user'],
      'segments:read': ['segments'],
      'rules:write': ['segments', 'createTagRule'],
      'campaigns:read': ['campaigns'],
      'campaigns:write': ['campaigns', 'createCampaign'],
      'analytics:read': ['metric'],
    };
    // segments { members } needs both segments:read and profiles:read: a segments-only key sees the segment, not who is in it.
    for (const [scope, key] of Object.entries(keys)) {
      for (const [name, query] of Object.entries(operations)) {
        const r = await gql(stack, query, {}, key);
        const ok = allowed[scope]!.includes(name);
        const codes = (r.json.errors ?? []).map((e: any) => e.extensions?.code);
        if (ok) assert.deepEqual(codes, [], `${scope} may run ${name}: ${JSON.stringify(r.json)}`);
        else if (name === 'members' && scope === 'segments:read') {
          // Allowed to the segment, refused at its members (when there is a segment at all).
          assert.ok(codes.every((c: string) => c === 'FORBIDDEN'), JSON.stringify(r.json));
        } else {
          assert.ok(codes.length > 0 && codes.every((c: string) => c === 'FORBIDDEN'), `${scope} may not run ${name}: ${JSON.stringify(r.json)}`);
          assert.equal(r.status, 403, `a request refused whole is a 403 (${scope}, ${name})`);
        }
      }
      const ingest = await ingestWith(key, 'ak-scoped');
      assert.equal(ingest.status, scope === 'events:write' ? 200 : 403, `${scope} ingest`);
    }
    // An admin-only field is refused to every other scope, and the refusal names no key.
    const denied = await gql(stack, 'mutation { createApiKey(input: { name: "x", scopes: ["admin"] }) { key } }', {}, keys['rules:write']);
    assert.equal(denied.json.errors[0].extensions.code, 'FORBIDDEN');
    assert.doesNotMatch(JSON.stringify(denied.json), /og_[0-9a-f]/);
  });

  it('revocation and expiry take effect within 60 s; rotation keeps the old key for its grace only', async () => {
    const { key, apiKey } = await createKey({ name: 'to-revoke', scopes: ['events:write', 'profiles:read'] });
    assert.equal((await ingestWith(key)).status, 200);
    const revoked = await gql(stack, `mutation { revokeApiKey(id: "${apiKey.id}") { status revokedAt } }`);
    assert.equal(revoked.json.data.revokeApiKey.status, 'REVOKED');
    await waitFor(async () => (await ingestWith(key)).status === 401, 'ingest refusing the revoked key', 60_000);
    await waitFor(async () => (await gql(stack, '{ user(id: "x") { id } }', {}, key)).status === 401, 'GraphQL refusing it', 60_000);
    const again = await gql(stack, `mutation { revokeApiKey(id: "${apiKey.id}") { status revokedAt } }`);
    assert.deepEqual(again.json.data.revokeApiKey, revoked.json.data.revokeApiKey, 'revoking twice changes nothing');

    const soon = await createKey({ name: 'short-lived', scopes: ['events:write'], expiresAt: new Date(Date.now() + 1500).toISOString() });
    assert.equal((await ingestWith(soon.key)).status, 200);
    await waitFor(async () => (await ingestWith(soon.key)).status === 401, 'the expired key refused', 10_000);
    const listed = await gql(stack, '{ apiKeys { id status } }');
    assert.equal(listed.json.data.apiKeys.find((k: any) => k.id === soon.apiKey.id).status, 'EXPIRED');

    // Rotation with a grace period: both work until it ends; then only the new one.
    const old = await createKey({ name: 'rotating', scopes: ['events:write'], rateLimitPerSecond: 30, dailyQuota: 500 });
    const rotated = await gql(stack, `mutation { rotateApiKey(id: "${old.apiKey.id}", graceSeconds: 2) { key apiKey { ${KEY} } } }`);
    const fresh = rotated.json.data.rotateApiKey;
    assert.deepEqual(
      { name: fresh.apiKey.name, scopes: fresh.apiKey.scopes, rate: fresh.apiKey.rateLimitPerSecond, quota: fresh.apiKey.dailyQuota, from: fresh.apiKey.rotatedFrom },
      { name: 'rotating', scopes: ['events:write'], rate: 30, quota: 500, from: old.apiKey.id },
    );
    assert.equal((await ingestWith(fresh.key)).status, 200);
    assert.equal((await ingestWith(old.key)).status, 200, 'the old key works during its grace');
    await waitFor(async () => (await ingestWith(old.key)).status === 401, 'the old key refused after its grace', 10_000);
    assert.equal((await ingestWith(fresh.key)).status, 200);
    // Without grace the old key is revoked at once.
    const now = await gql(stack, `mutation { rotateApiKey(id: "${fresh.apiKey.id}") { key } }`);
    assert.equal((await ingestWith(fresh.key)).status, 401);
    assert.equal((await ingestWith(now.json.data.rotateApiKey.key)).status, 200);
    const trail = await listAudit(process.env.AUDIT_TABLE!, `apikey#${fresh.apiKey.id}`);
    assert.deepEqual(trail.map((a) => a.action).sort(), ['apikey_revoked', 'apikey_rotated']);
    // The same trail through GraphQL, a page at a time.
    const AUDIT = 'query($s: String!, $a: String) { audit(subject: $s, first: 1, after: $a) { edges { cursor node { action at detail } } pageInfo { hasNextPage endCursor } } }';
    const p1 = (await gql(stack, AUDIT, { s: `apikey#${fresh.apiKey.id}` })).json.data.audit;
    assert.equal(p1.pageInfo.hasNextPage, true);
    const p2 = (await gql(stack, AUDIT, { s: `apikey#${fresh.apiKey.id}`, a: p1.pageInfo.endCursor })).json.data.audit;
    assert.equal(p2.pageInfo.hasNextPage, false);
    assert.deepEqual([...p1.edges, ...p2.edges].map((e: any) => e.node.action).sort(), ['apikey_revoked', 'apikey_rotated']);
    assert.ok([...p1.edges, ...p2.edges].every((e: any) => !Number.isNaN(Date.parse(e.node.at)) && e.node.detail.by === 'admin'));
    const notAdmin = await gql(stack, AUDIT, { s: `apikey#${fresh.apiKey.id}` }, now.json.data.rotateApiKey.key);
    assert.equal(notAdmin.json.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('refuses bad input with typed errors', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'x', scopes: ['profiles:everything'] }, /scopes/],
      [{ name: 'x', scopes: [] }, /scopes/],
      [{ name: '', scopes: ['admin'] }, /name/],
      [{ name: 'x', scopes: ['admin'], expiresAt: '2020-01-01T00:00:00Z' }, /expiresAt/],
      [{ name: 'x', scopes: ['admin'], rateLimitPerSecond: -1 }, /rateLimitPerSecond/],
    ];
    for (const [input, message] of cases) {
      const r = await gql(stack, 'mutation($i: ApiKeyInput!) { createApiKey(input: $i) { key } }', { i: input });
      assert.equal(r.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.json));
      assert.match(r.json.errors[0].message, message);
    }
    const missing = await gql(stack, 'mutation { revokeApiKey(id: "key_0000000000000000") { id } }');
    assert.equal(missing.json.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const days = await gql(stack, '{ apiKeys { usage(days: 400) { day } } }');
    assert.equal(days.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('a daily quota holds over both routes, answers 429 with Retry-After until midnight, and usage is metered', async () => {
    const { key, apiKey } = await createKey({ name: 'quota', scopes: ['events:write', 'segments:read'], dailyQuota: 4 });
    for (let i = 0; i < 3; i++) assert.equal((await ingestWith(key)).status, 200);
    assert.equal((await gql(stack, '{ segments { id } }', {}, key)).status, 200);
    const over = await fetchWithHeaders(stack.ingestUrl, { events: [track('ak-q', 'login', new Date().toISOString())] }, key);
    assert.equal(over.status, 429);
    assert.equal(over.json.rejected[0].code, 'QUOTA_EXCEEDED');
    const toMidnight = Math.ceil((Math.ceil(Date.now() / 86_400_000) * 86_400_000 - Date.now()) / 1000);
    assert.ok(Math.abs(Number(over.retryAfter) - toMidnight) <= 2, `Retry-After ${over.retryAfter}, midnight in ${toMidnight} s`);
    const overGql = await fetchWithHeaders(stack.graphqlUrl, { query: '{ segments { id } }' }, key);
    assert.equal(overGql.status, 429);
    assert.equal(overGql.json.errors[0].extensions.code, 'QUOTA_EXCEEDED');
    assert.ok(Number(overGql.retryAfter) >= 1);
    const usage = await gql(stack, `{ apiKeys { id usage(days: 2) { day requests } } }`);
    const mine = usage.json.data.apiKeys.find((k: any) => k.id === apiKey.id);
    const today = new Date().toISOString().slice(0, 10);
    assert.deepEqual(mine.usage.at(-1), { day: today, requests: 4 }, 'refused requests are not metered');
    assert.equal(mine.usage[0].requests, 0);
  });

  it('npm run keys creates, lists, rotates and revokes, through GraphQL and straight to the tables', async () => {
    const cli = async (args: string[], env: Record<string, string> = {}) => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], { env: { ...process.env, ...env } });
      return JSON.parse(stdout);
    };
    const viaGraphql = ['--url', stack.graphqlUrl, '--api-key', stack.apiKey];
    const made = await cli(['create', '--name', 'cli-partner', '--scopes', 'events:write,profiles:read', '--rate', '5', ...viaGraphql]);
    assert.match(made.key, /^og_/);
    assert.equal((await ingestWith(made.key)).status, 200);
    const listed = await cli(['list', ...viaGraphql]);
    assert.ok(listed.some((k: any) => k.id === made.apiKey.id && k.rateLimitPerSecond === 5));
    const rotated = await cli(['rotate', made.apiKey.id, ...viaGraphql]);
    assert.equal(rotated.apiKey.rotatedFrom, made.apiKey.id);
    assert.equal((await ingestWith(made.key)).status, 401);
    const revoked = await cli(['revoke', rotated.apiKey.id, ...viaGraphql]);
    assert.equal(revoked.status, 'REVOKED');
    // A bad call exits non-zero with the server's typed error.
    await assert.rejects(cli(['create', '--name', 'x', '--scopes', 'nope', ...viaGraphql]), (e: any) => /BAD_USER_INPUT/.test(e.stderr));

    // --stage: the stage's tables with the SDK's endpoints and credentials (the local stack's dynalite here).
    const direct = await cli(['create', '--name', 'bootstrap', '--scopes', 'admin', '--stage', LOCAL_STAGE]);
    assert.equal(direct.apiKey.createdBy, 'cli');
    const r = await gql(stack, '{ apiKeys { id name } }', {}, direct.key);
    assert.ok(r.json.data.apiKeys.some((k: any) => k.id === direct.apiKey.id), JSON.stringify(r.json));
    const gone = await cli(['revoke', direct.apiKey.id, '--stage', LOCAL_STAGE]);
    assert.equal(gone.status, 'REVOKED');
    await waitFor(async () => (await gql(stack, '{ apiKeys { id } }', {}, direct.key)).status === 401, 'the bootstrap key refused', 60_000);
  });
});
