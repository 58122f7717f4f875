/**
 * `npm run bench:gateway [-- --rounds 3 --duration 10 --only federation,product,lambda]`
 *
 * federation: the public gateway benchmark fixture (../shared/bench/federation). Its subgraphs run in one child
 *   process; each gateway runs in its own child process started with `npm run gateway`'s entry (gateway/cli.ts):
 *   the product's engine (`plan`: Hive Router's planner, opsgraph's plan executor, Apollo Server), Hive Gateway's
 *   runtime on the same planner (`hive`), and `@apollo/gateway`. Whole responses are compared once before timing
 *   (they must be identical), then rounds alternate A B C A B C … with autocannon at 50 connections. Run twice:
 *   with in-flight merging of identical subgraph requests off, then on (plan and hive; Apollo has none).
 * product: see bench/gateway-product.ts (the product's own supergraph in process).
 * lambda: see bench/gateway-lambda.ts (bundle size and init time of the graphql function).
 *
 * Prints JSON lines; every figure is a ratio from one run, never an absolute number alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { fixtureDir } from './gateway-fixture.js';
import { report } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Starts `node --import tsx FILE ARGS` and resolves with the first capture of `pattern` on its stdout. */
export function spawnTs(file: string, args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; match: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, file), ...args], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${file} did not start in 300 s`)), 300_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, match: m[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before it started`));
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(t);
}

/** One autocannon round: requests per second (mean over the round), failing on any error or non-2xx. */
export async function round(url: string, body: string, duration: number, headers: Record<string, string> = {}): Promise<number> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: 50,
    duration,
    // On a loaded 2-core machine a deep query at 50 connections can wait seconds; autocannon's default is 10 s.
    timeout: 60,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  if (r.errors || r.non2xx || r.timeouts) throw new Error(`round against ${url}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`);
  return r.requests.average;
}

/** The response as JSON, re-serialized: the same bytes for the same data, independent of a trailing newline. */
export async function answer(url: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return JSON.stringify(await r.json());
}

async function federation(rounds: number, duration: number): Promise<void> {
  const dir = fixtureDir();
  const fixture = await spawnTs('bench/gateway-fixture.ts', ['--fixture', dir], /127\.0\.0\.1:(\d+)\//, { PORT: '0' });
  const tmp = mkdtempSync(join(tmpdir(), 'opsgraph-gw-'));
  const children: ChildProcess[] = [fixture.child];
  try {
    const { readFileSync } = await import('node:fs');
    const sdl = readFileSync(join(dir, 'supergraph.graphql'), 'utf8').replaceAll('http://127.0.0.1:4200/', `http://127.0.0.1:${fixture.match}/`);
    const query = readFileSync(join(dir, 'query.graphql'), 'utf8');
    const file = join(tmp, 'supergraph.graphql');
    writeFileSync(file, sdl);
    const start = async (engine: string, extra: string[] = []) => {
      const g = await spawnTs('gateway/cli.ts', ['--supergraph', file, '--port', '0', '--engine', engine, ...extra], /on (http:\/\/\S+\/graphql)/);
      children.push(g.child);
      return g.match;
    };
    const urls = {
      apollo: await start('apollo'), plan: await start('plan'), 'plan+merging': await start('plan', ['--dedupe']),
      hive: await start('hive'), 'hive+merging': await start('hive', ['--dedupe']),
    };
    const body = JSON.stringify({ query });
    const reference = await answer(urls.apollo, body);
    const parsed = JSON.parse(reference) as { data?: { users?: unknown[]; topProducts?: unknown[] }; errors?: unknown };
    if (parsed.errors || !parsed.data?.users?.length || !parsed.data?.topProducts?.length) throw new Error('@apollo/gateway answered the fixture query wrongly');
    for (const [name, url] of Object.entries(urls)) {
      const got = await answer(url, body);
      report({ bench: 'gateway.federation', check: 'identical-response', engine: name, bytes: got.length, identical: got === reference });
      if (got !== reference) throw new Error(`${name} answered differently from @apollo/gateway`);
    }
    // Warm both (JIT, plan caches) before timing.
    for (const url of Object.values(urls)) await round(url, body, 3);
    const label = { apollo: '@apollo/gateway', plan: 'plan (opsgraph executor)', hive: 'hive-router-runtime' } as const;
    for (const merging of ['off', 'on'] as const) {
      const url = (engine: keyof typeof label) => (engine === 'apollo' || merging === 'off' ? urls[engine] : urls[`${engine}+merging`]);
      const rps: Record<keyof typeof label, number[]> = { apollo: [], plan: [], hive: [] };
      for (let i = 0; i < rounds; i++) {
        for (const engine of ['apollo', 'plan', 'hive'] as const) {
          const v = await round(url(engine), body, duration);
          rps[engine].push(v);
          report({ bench: 'gateway.federation', merging, round: i + 1, engine: label[engine], rps: Math.round(v * 10) / 10 });
        }
      }
      const a = median(rps.apollo);
      const over = (xs: number[]) => Math.round((median(xs) / a) * 100) / 100;
      report({
        bench: 'gateway.federation', merging, connections: 50, duration_s: duration, rounds,
        apollo_rps: rps.apollo.map(Math.round), plan_rps: rps.plan.map(Math.round), hive_rps: rps.hive.map(Math.round),
        apollo_median_rps: Math.round(a), plan_median_rps: Math.round(median(rps.plan)), hive_median_rps: Math.round(median(rps.hive)),
        ratio: over(rps.plan), ratio_target: 2, ratio_hive: over(rps.hive),
      });
    }
  } finally {
    for (const c of children.reverse()) await stopChild(c);
    rmSync(tmp, { recursive: true, force: true });
  }
}

const only = flag('only', 'federation,product,lambda').split(',');
const rounds = Number(flag('rounds', '3'));
const duration = Number(flag('duration', '10'));
if (only.includes('federation')) await federation(rounds, duration);
if (only.includes('product')) {
  const { productBench } = await import('./gateway-product.js');
  await productBench(rounds, duration);
}
if (only.includes('lambda')) {
  const { lambdaBench } = await import('./gateway-lambda.js');
  await lambdaBench();
}
