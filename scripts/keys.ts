/**
 * `npm run keys`: API key management from the command line, through the same core/auth/keyManagement.ts as
 * GraphQL's createApiKey / apiKeys / revokeApiKey / rotateApiKey.
 *
 * Two ways in:
 *  - a running stack's GraphQL with an admin key (default: the local stack on :4000 and the admin key of ./.data);
 *  - `--stage NAME`: the stage's tables directly, with the AWS SDK's credentials. This is how the first admin key
 *    of a new deployment is made (no key exists yet to call GraphQL with).
 * Each command prints one JSON document on stdout.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApiKey, KeyManagementError, listApiKeys, revokeApiKey, rotateApiKey, type KeyTables } from '../core/auth/keyManagement.js';
import { physicalName, TABLES } from '../core/platform/definitions.js';

const USAGE = `usage:
  npm run keys -- create --name NAME --scopes a,b [--expires ISO] [--rate N] [--daily-quota N]
  npm run keys -- list
  npm run keys -- revoke ID
  npm run keys -- rotate ID [--grace SECONDS]

where:
  --url URL        a stack's GraphQL endpoint (default $OPSGRAPH_URL or http://127.0.0.1:4000/graphql)
  --api-key KEY    an admin key (default $OPSGRAPH_API_KEY, else <data dir>/admin-key)
  --data-dir DIR   the local stack's data dir (default $OPSGRAPH_DATA_DIR or ./.data)
  --stage NAME     write the stage's tables directly instead (AWS credentials; the first key of a deployment)

Scopes: events:write profiles:read profiles:pii segments:read rules:write campaigns:read campaigns:write
analytics:read admin. A created or rotated key is printed once; the stage keeps only its hash.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    'api-key': { type: 'string' },
    'data-dir': { type: 'string' },
    stage: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'string' },
    expires: { type: 'string' },
    rate: { type: 'string' },
    'daily-quota': { type: 'string' },
    grace: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const number = (flag: string, text: string | undefined) => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) fail(`--${flag} needs a number, got "${text}"`);
  return n;
};

const [command, id] = positionals;
if (values.help || !command) fail('');

const KEY_FIELDS = 'id name scopes status rateLimitPerSecond dailyQuota createdAt createdBy expiresAt revokedAt rotatedFrom';

/** The create input, as GraphQL's ApiKeyInput and keyManagement's schema both take it. */
const createInput = () => ({
  name: values.name ?? fail('create needs --name'),
  scopes: (values.scopes ?? fail('create needs --scopes')).split(',').map((s) => s.trim()).filter(Boolean),
  ...(values.expires !== undefined ? { expiresAt: values.expires } : {}),
  ...(values.rate !== undefined ? { rateLimitPerSecond: number('rate', values.rate) } : {}),
  ...(values['daily-quota'] !== undefined ? { dailyQuota: number('daily-quota', values['daily-quota']) } : {}),
});

const needId = () => id ?? fail(`${command} needs a key id`);

/** Direct: the stage's tables, the AWS SDK's credentials and endpoints. */
async function direct(stage: string): Promise<unknown> {
  const tables: KeyTables = { apiKeys: physicalName(stage, TABLES.apiKeys.name), audit: physicalName(stage, TABLES.audit.name) };
  const now = new Date();
  switch (command) {
    case 'create':
      return createApiKey(tables, createInput(), 'cli', now);
    case 'list':
      return listApiKeys(tables, now.getTime());
    case 'revoke':
      return revokeApiKey(tables, needId(), 'cli', now);
    case 'rotate':
      return rotateApiKey(tables, needId(), number('grace', values.grace) ?? 0, 'cli', now);
    default:
      return fail(`unknown command ${command}`);
  }
}

function adminKey(): string {
  const given = values['api-key'] ?? process.env.OPSGRAPH_API_KEY;
  if (given) return given;
  const dataDir = resolve(values['data-dir'] ?? process.env.OPSGRAPH_DATA_DIR ?? '.data');
  try {
    return readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
  } catch {
    return fail(`no admin key: pass --api-key, set OPSGRAPH_API_KEY, or run npm start once to make ${join(dataDir, 'admin-key')}`);
  }
}

/** Through a stack's GraphQL with an admin key. */
async function viaGraphql(): Promise<unknown> {
  const url = values.url ?? process.env.OPSGRAPH_URL ?? 'http://127.0.0.1:4000/graphql';
  const [query, variables, field] = ((): [string, Record<string, unknown>, string] => {
    switch (command) {
      case 'create':
        return [`mutation($i: ApiKeyInput!) { createApiKey(input: $i) { key apiKey { ${KEY_FIELDS} } } }`, { i: createInput() }, 'createApiKey'];
      case 'list':
        return [`{ apiKeys { ${KEY_FIELDS} } }`, {}, 'apiKeys'];
      case 'revoke':
        return [`mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`, { id: needId() }, 'revokeApiKey'];
      case 'rotate':
        return [
          `mutation($id: ID!, $g: Int) { rotateApiKey(id: $id, graceSeconds: $g) { key apiKey { ${KEY_FIELDS} } } }`,
          { id: needId(), g: number('grace', values.grace) ?? 0 },
          'rotateApiKey',
        ];
      default:
        return fail(`unknown command ${command}`);
    }
  })();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': adminKey() },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => ({}))) as { data?: Record<string, unknown>; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  if (body.errors?.length) {
    const e = body.errors[0]!;
    throw new KeyManagementError(`${e.extensions?.code ?? res.status}: ${e.message}`, 'BAD_USER_INPUT');
  }
  if (!res.ok || !body.data) throw new Error(`${url} answered ${res.status}`);
  return body.data[field];
}

try {
  const out = values.stage ? await direct(values.stage) : await viaGraphql();
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
