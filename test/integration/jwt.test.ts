import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { postJson, track, useTestStack } from '../support/stack.js';

/*
 * Frontends with OIDC tokens: a local issuer on loopback publishes its JWKS the way Cognito does
 * (`<issuer>/.well-known/jwks.json`), and the stack verifies tokens against it, mapping the `groups` claim to scopes.
 */
const { publicKey, privateKey } = await generateKeyPair('RS256');
const stranger = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
const issuerServer = createServer((req, res) => {
  if (req.url === '/.well-known/jwks.json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  else res.writeHead(404).end();
});
await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
after(() => issuerServer.close());

process.env.JWT_SETTINGS = JSON.stringify({
  issuer,
  audience: 'opsgraph-console',
  scopesClaim: 'groups',
  claimScopes: { support: ['profiles:read'], tracking: ['events:write'], admins: ['admin'] },
});
const stack = useTestStack();

async function token(claims: Record<string, unknown>, options: { key?: CryptoKey; iss?: string; aud?: string; exp?: string | number; kid?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? 'opsgraph-console')
    .setSubject(String(claims.sub ?? 'user-1'))
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m')
    .sign(options.key ?? privateKey);
}

async function withBearer(url: string, body: unknown, bearer: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
}

describe('JWT sign-in', () => {
  it('maps a claim to scopes: a support agent reads profiles and nothing else', async () => {
    await postJson(stack.ingestUrl, { events: [track('jwt-user', 'login', new Date().toISOString())] }, stack.apiKey);
    const support = await token({ groups: ['support'], sub: 'agent-7' });
    const read = await withBearer(stack.graphqlUrl, { query: '{ segments { id } user(id: "jwt-user") { id } }' }, support);
    assert.equal(read.json.errors?.[0]?.extensions?.code, 'FORBIDDEN', 'segments need segments:read');
    assert.deepEqual(read.json.errors.map((e: any) => e.path?.[0]), ['segments']);
    const denied = await withBearer(stack.graphqlUrl, { query: 'mutation { createApiKey(input: { name: "x", scopes: ["admin"] }) { key } }' }, support);
    assert.equal(denied.status, 403);
    const ingest = await withBearer(stack.ingestUrl, { events: [track('jwt-user', 'login', new Date().toISOString())] }, support);
    assert.equal(ingest.status, 403);
    const tracker = await token({ groups: ['tracking'], sub: 'web-app' });
    assert.equal((await withBearer(stack.ingestUrl, { events: [track('jwt-user', 'login', new Date().toISOString())] }, tracker)).status, 200);
    const admin = await token({ groups: 'admins', sub: 'ops-lead' });
    const keys = await withBearer(stack.graphqlUrl, { query: '{ apiKeys { id } }' }, admin);
    assert.equal(keys.json.errors, undefined, JSON.stringify(keys.json));
  });

  it('refuses tokens that do not verify with the same 401, saying nothing about why', async () => {
    const bad = [
      await token({ groups: ['admins'] }, { exp: Math.floor(Date.now() / 1000) - 60 }),
      await token({ groups: ['admins'] }, { iss: 'http://127.0.0.1:1' }),
      await token({ groups: ['admins'] }, { aud: 'someone-else' }),
      await token({ groups: ['admins'] }, { key: stranger.privateKey }),
      'a.b.c',
    ];
    const answers = [];
    for (const t of bad) answers.push(await withBearer(stack.graphqlUrl, { query: '{ apiKeys { id } }' }, t));
    for (const a of answers) assert.equal(a.status, 401, JSON.stringify(a.json));
    assert.equal(new Set(answers.map((a) => JSON.stringify(a.json))).size, 1);
    // A token without a groups value the stage maps gets in, and may do nothing.
    const nobody = await token({ groups: ['interns'] });
    const r = await withBearer(stack.graphqlUrl, { query: '{ apiKeys { id } }' }, nobody);
    assert.equal(r.status, 403);
  });
});
