import './quietLogs.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/localStack.js';

/** A local stack on ephemeral ports with its own temporary data dir, removed on close. */
export async function startTestStack(options: Partial<LocalStackOptions> = {}): Promise<TestStack> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'opsgraph-test-')));
  const stack = await startLocalStack({ port: 0, dataDir, retryDelayMs: 5, rulesTtlSeconds: 1, ...options });
  return {
    ...stack,
    dataDir,
    async close() {
      await stack.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestStack = LocalStack & { dataDir: string };

export interface UseTestStackOptions extends Partial<LocalStackOptions> {
  /** Runs in the file's `before` hook, before the stack starts (e.g. to install a fault or a network guard). */
  beforeStart?: () => void | Promise<void>;
  /** Runs in the file's `before` hook once the stack is up. */
  afterStart?: (stack: TestStack) => void | Promise<void>;
  /** Runs in the file's `after` hook before the stack closes. */
  beforeClose?: (stack: TestStack) => void | Promise<void>;
  /** Runs in the file's `after` hook once the stack is closed (restore what `beforeStart` changed). */
  afterClose?: () => void | Promise<void>;
}

/**
 * The one stack fixture of an integration test file: registers the file's `before` (start) and `after` (close)
 * hooks and returns the stack, usable from the first test on. One stack per file; call it once, at the top level.
 * Its logs are quiet (`POWERTOOLS_LOG_LEVEL=WARN`, `test/support/quietLogs.ts`) unless the environment sets a level.
 *
 * @example
 * const stack = useTestStack();
 * it('answers', async () => assert.equal((await gql(stack, '{ segments { name } }')).status, 200));
 */
export function useTestStack(options: UseTestStackOptions = {}): TestStack {
  const { beforeStart, afterStart, beforeClose, afterClose, ...stackOptions } = options;
  let started: TestStack | undefined;
  before(async () => {
    await beforeStart?.();
    started = await startTestStack(stackOptions);
    await afterStart?.(started);
  });
  after(async () => {
    if (started) {
      await beforeClose?.(started);
      await started.close();
      started = undefined;
    }
    await afterClose?.();
  });
  return new Proxy({} as TestStack, {
    get(_, key) {
      if (!started) throw new Error(`the test stack is not running (read of ${String(key)} outside its tests)`);
      const value = Reflect.get(started, key);
      return typeof value === 'function' ? value.bind(started) : value;
    },
    has: (_, key) => started !== undefined && key in started,
  });
}

/** Polls `probe` until it returns a truthy value or the deadline passes (then throws with the last value). */
export async function waitFor<T>(probe: () => Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

export async function postJson(url: string, body: unknown, apiKey?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** A GraphQL call through the gateway; returns the whole response body. */
export async function gql(stack: LocalStack, query: string, variables: Record<string, unknown> = {}, apiKey = stack.apiKey) {
  return postJson(stack.graphqlUrl, { query, variables }, apiKey);
}

/** Creates a campaign from a journey document and activates it, through the gateway; its id. */
export async function activeCampaign(stack: LocalStack, name: string, journey: unknown): Promise<string> {
  const created = await gql(stack, 'mutation($n: String!, $j: JSON!) { createCampaign(input: { name: $n, journey: $j }) { id } }', { n: name, j: journey });
  assert.ok(created.json.data, JSON.stringify(created.json.errors));
  const id: string = created.json.data.createCampaign.id;
  const activated = await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
  assert.equal(activated.json.data?.setCampaignStatus.status, 'ACTIVE', JSON.stringify(activated.json.errors));
  return id;
}

export function track(userId: string, event: string, timestamp: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { type: 'track', event, userId, timestamp, properties, ...extra };
}
