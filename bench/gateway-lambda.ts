/**
 * The graphql Lambda (a mode of `npm run bench:gateway`, `--only lambda`): the bundle's minified size, built with
 * the same esbuild settings the CDK construct uses (infra/constructs/opsgraph-function.ts, infra/bundling.ts), and
 * its init time: a fresh `node` process importing the bundle and answering its first request (API Gateway
 * payload 2.0 event, the admin key, a user query) against a local stack on loopback, in Lambda's environment
 * (no NODE_ENV, no NODE_OPTIONS, no NODE_EXTRA_CA_CERTS). Median of eleven processes, alternated with the same
 * measure of `bench/lambdaFloor.ts` (the function's first storage call alone), and, when this host sets
 * NODE_EXTRA_CA_CERTS, with the function started with it too.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalStack } from '../local/localStack.js';
import { bundleAsDeployed, report } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Cold starts per side, alternated (odd, for a median). */
const RUNS = 11;
/** The first request: a user with stats, tags, segments and churn (the profiles subgraph). */
const USER_QUERY = '{ user(id: "u1") { id stats { orders revenue } tags { name } segments { id } churn { band } } }';
/** A first request that reaches all three subgraphs. */
const ALL_SUBGRAPHS_QUERY = '{ user(id: "u1") { id stats { orders } enrollments { id } } campaigns { id } churnBands { band users } }';

interface InitRun {
  wall_ms: number;
  /** From the process's start to the handler's first answer. */
  process_ms: number;
  /** Of which: loading the bundle (compiling it, building the schemas and the planner). */
  import_ms: number;
  status: number;
}

function firstAnswer({ file: runner, env }: { file: string; env: NodeJS.ProcessEnv }): Promise<InitRun> {
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
    const entry = join(root, 'lambdas', 'graphql', 'handler.ts');
    // Each in a folder of its own: the chunks go beside their entry.
    const deployed = await bundleAsDeployed(entry, join(dir, 'deployed', 'index.mjs'), 'node24');
    const local = (await bundleAsDeployed(entry, join(dir, 'local', 'index.mjs'))).file;
    const event = (query: string) => ({
      version: '2.0', routeKey: 'POST /graphql', rawPath: '/graphql', rawQueryString: '', isBase64Encoded: false,
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
      body: JSON.stringify({ query }),
      requestContext: { http: { method: 'POST', path: '/graphql', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' }, requestId: 'init', routeKey: 'POST /graphql', stage: '$default', timeEpoch: Date.now() },
    });
    const floor = (await bundleAsDeployed(join(root, 'bench', 'lambdaFloor.ts'), join(dir, 'floor', 'index.mjs'))).file;
    // The environment as Lambda's: no NODE_ENV (Lambda sets none) and no NODE_OPTIONS (the functions set none). Nor
    // NODE_EXTRA_CA_CERTS: Lambda's Node 20 and later runtimes load no extra CA certificates unless a function sets
    // it, which these do not (infra/constructs/opsgraph-function.ts). A host that sets it (for a TLS proxy) makes
    // every Node process parse that bundle as it starts: about 50 ms on this one, where the local stack's
    // endpoints are plain HTTP on loopback anyway.
    const lambdaEnv: NodeJS.ProcessEnv = { ...process.env };
    delete lambdaEnv.NODE_ENV;
    delete lambdaEnv.NODE_OPTIONS;
    delete lambdaEnv.NODE_EXTRA_CA_CERTS;
    const runner = async (name: string, bundled: string, query = USER_QUERY, env = lambdaEnv) => {
      const file = join(dir, `init-${name}.mjs`);
      await writeFile(file, [
        `const { handler } = await import(${JSON.stringify(bundled)});`,
        'const imported = performance.now();',
        `const r = await handler(${JSON.stringify(event(query))});`,
        `if (r.statusCode !== 200 || String(r.body).includes('"errors"')) { console.error(r.body); process.exit(1); }`,
        `process.stdout.write(JSON.stringify({ status: r.statusCode, ms: performance.now(), importMs: imported }) + '\\n');`,
        'process.exit(0);',
      ].join('\n'));
      return { file, env };
    };
    const hostCaCerts = process.env.NODE_EXTRA_CA_CERTS;
    const runners = {
      graphql: await runner('graphql', local),
      floor: await runner('floor', floor),
      allSubgraphs: await runner('all', local, ALL_SUBGRAPHS_QUERY),
      ...(hostCaCerts ? { withHostCaCerts: await runner('ca', local, USER_QUERY, { ...lambdaEnv, NODE_EXTRA_CA_CERTS: hostCaCerts }) } : {}),
    };
    const names = Object.keys(runners) as Array<keyof typeof runners>;
    // Alternated, A B C A B C, so the machine's noise falls on every side.
    const runs = Object.fromEntries(names.map((n) => [n, [] as InitRun[]])) as Record<string, InitRun[]>;
    for (let i = 0; i < RUNS; i++) {
      for (const name of names) runs[name]!.push(await firstAnswer(runners[name]!));
    }
    const med = (name: string, k: 'wall_ms' | 'process_ms' | 'import_ms') => runs[name]!.map((r) => r[k]).sort((a, b) => a - b)[RUNS >> 1]!;
    report({
      bench: 'gateway.lambda', function: 'graphql', bundle_bytes: deployed.bytes, bundle_mb: Math.round((deployed.bytes / 1024 / 1024) * 100) / 100,
      bundle_target_mb: 1.5, bundle_init_bytes: deployed.initBytes, init_wall_ms: med('graphql', 'wall_ms'), init_process_ms: med('graphql', 'process_ms'), init_import_ms: med('graphql', 'import_ms'),
      init_target_ms: 300, init_runs_wall_ms: runs.graphql!.map((r) => r.wall_ms),
      floor: 'a handler doing only the API key GetItem, bundled alike (bench/lambdaFloor.ts)',
      floor_wall_ms: med('floor', 'wall_ms'), floor_process_ms: med('floor', 'process_ms'), floor_import_ms: med('floor', 'import_ms'),
      graphql_over_floor_ms: med('graphql', 'process_ms') - med('floor', 'process_ms'),
      // Each subgraph loads on its first fetch: a first request that reaches all three loads them all.
      all_subgraphs_query: ALL_SUBGRAPHS_QUERY, all_subgraphs_init_process_ms: med('allSubgraphs', 'process_ms'),
      ...(hostCaCerts ? { with_host_node_extra_ca_certs_init_process_ms: med('withHostCaCerts', 'process_ms') } : {}),
    });
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
}
