/**
 * The graphql Lambda (a mode of `npm run bench:gateway`, `--only lambda`): the bundle's minified size, built with
 * the same esbuild settings the CDK construct uses (infra/constructs/opsgraph-function.ts, infra/bundling.ts), and
 * its init time: a fresh `node` process importing the bundle and answering its first request (API Gateway
 * payload 2.0 event, the admin key, a user query) against a local stack on loopback. Median of seven processes,
 * alternated with the same measure of `bench/lambdaFloor.ts` (the function's first storage call alone).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalStack } from '../local/localStack.js';
import { bundleAsDeployed, report } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function bundle(outfile: string, target: string, entry = join(root, 'lambdas', 'graphql', 'handler.ts')): Promise<number> {
  await bundleAsDeployed(entry, outfile, target);
  return (await stat(outfile)).size;
}

interface InitRun {
  wall_ms: number;
  /** From the process's start to the handler's first answer. */
  process_ms: number;
  /** Of which: loading the bundle (compiling it, building the schemas and the planner). */
  import_ms: number;
  status: number;
}

function firstAnswer(runner: string, env: NodeJS.ProcessEnv): Promise<InitRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [runner], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const wall = performance.now() - t0;
      try {
        const r = JSON.parse(out.trim().split('\n').at(-1)!) as { status: number; ms: number; importMs: number };
        resolve({ wall_ms: Math.round(wall), process_ms: Math.round(r.ms), import_ms: Math.round(r.importMs), status: r.status });
      } catch {
        reject(new Error(`init runner exited ${code}: ${out}`));
      }
    });
  });
}

export async function lambdaBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-lambda-'));
  const stack = await startLocalStack({ port: 0, dataDir: join(dir, 'data') });
  try {
    const deployed = await bundle(join(dir, 'deployed.mjs'), 'node24');
    const local = join(dir, 'handler.mjs');
    await bundle(local, `node${process.versions.node.split('.')[0]}`);
    const event = {
      version: '2.0', routeKey: 'POST /graphql', rawPath: '/graphql', rawQueryString: '', isBase64Encoded: false,
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
      body: JSON.stringify({ query: '{ user(id: "u1") { id stats { orders revenue } tags { name } segments { id } churn { band } } }' }),
      requestContext: { http: { method: 'POST', path: '/graphql', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' }, requestId: 'init', routeKey: 'POST /graphql', stage: '$default', timeEpoch: Date.now() },
    };
    const floor = join(dir, 'floor.mjs');
    await bundle(floor, `node${process.versions.node.split('.')[0]}`, join(root, 'bench', 'lambdaFloor.ts'));
    const runner = async (name: string, bundled: string) => {
      const file = join(dir, `init-${name}.mjs`);
      await writeFile(file, [
        `const { handler } = await import(${JSON.stringify(bundled)});`,
        'const imported = performance.now();',
        `const r = await handler(${JSON.stringify(event)});`,
        `if (r.statusCode !== 200 || String(r.body).includes('"errors"')) { console.error(r.body); process.exit(1); }`,
        `process.stdout.write(JSON.stringify({ status: r.statusCode, ms: performance.now(), importMs: imported }) + '\\n');`,
        'process.exit(0);',
      ].join('\n'));
      return file;
    };
    const runners = { graphql: await runner('graphql', local), floor: await runner('floor', floor) };
    // Alternated, A B A B, so the machine's noise falls on both.
    const runs: Record<keyof typeof runners, InitRun[]> = { graphql: [], floor: [] };
    for (let i = 0; i < 7; i++) {
      for (const name of ['graphql', 'floor'] as const) runs[name].push(await firstAnswer(runners[name], { ...process.env, NODE_ENV: 'production' }));
    }
    const med = (name: keyof typeof runners, k: 'wall_ms' | 'process_ms' | 'import_ms') => runs[name].map((r) => r[k]).sort((a, b) => a - b)[3]!;
    report({
      bench: 'gateway.lambda', function: 'graphql', bundle_bytes: deployed, bundle_mb: Math.round((deployed / 1024 / 1024) * 100) / 100,
      bundle_target_mb: 1.5, init_wall_ms: med('graphql', 'wall_ms'), init_process_ms: med('graphql', 'process_ms'), init_import_ms: med('graphql', 'import_ms'),
      init_target_ms: 300, init_runs_wall_ms: runs.graphql.map((r) => r.wall_ms),
      floor: 'a handler doing only the API key GetItem, bundled alike (bench/lambdaFloor.ts)',
      floor_wall_ms: med('floor', 'wall_ms'), floor_process_ms: med('floor', 'process_ms'), floor_import_ms: med('floor', 'import_ms'),
      graphql_over_floor_ms: med('graphql', 'process_ms') - med('floor', 'process_ms'),
    });
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
