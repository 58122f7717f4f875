/**
 * `npx tsx bench/gateway-audit.ts --audit DIR [--engine plan|hive|apollo|all]`: runs the federation gateway audit
 * (graphql-hive/federation-gateway-audit, a checkout with its dependencies installed at DIR; not vendored here)
 * against `npm run gateway`'s engines. For each test suite the audit starts its subgraphs and our gateway
 * (`gateway/cli.ts`, with the suite's supergraph), then runs the suite's queries; the pass counts are printed
 * as JSON lines. Everything listens on and talks to loopback only: a preload makes servers without an explicit
 * host bind 127.0.0.1 (the audit's own subgraph server would otherwise listen on every interface). Ports are
 * unusual ones (the audit kills whatever listens on the gateway port before each suite). On a loaded machine a
 * gateway can take over a minute to start: GATEWAY_TIMEOUT (ms, default 180000) is how long the audit waits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const flag = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};

const auditDir = flag('audit');
if (!auditDir) {
  console.error('usage: npx tsx bench/gateway-audit.ts --audit DIR [--engine plan|hive|apollo|all]');
  process.exit(2);
}
const audit = resolve(auditDir);
const engines = (flag('engine', 'all') === 'all' ? ['plan', 'hive', 'apollo'] : flag('engine')!.split(',')) as string[];
const subgraphPort = Number(flag('subgraph-port', '4917'));
const gatewayPort = Number(flag('gateway-port', '4918'));

const PRELOAD = `
import net from 'node:net';
if (!Promise.withResolvers) Promise.withResolvers = function () { let resolve, reject; const promise = new Promise((a, b) => { resolve = a; reject = b; }); return { promise, resolve, reject }; };
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1');
  else if (typeof args[0] === 'object' && args[0] !== null && args[0].port !== undefined && !args[0].host) args[0] = { ...args[0], host: '127.0.0.1' };
  return listen.apply(this, args);
};
`;

for (const engine of engines) {
  const work = mkdtempSync(join(tmpdir(), `opsgraph-audit-${engine}-`));
  try {
    const preload = join(work, 'loopback.mjs');
    writeFileSync(preload, PRELOAD);
    const tsx = join(audit, 'node_modules', '.bin', 'tsx');
    writeFileSync(
      join(work, 'run.sh'),
      [
        `cd ${JSON.stringify(audit)} && ${JSON.stringify(tsx)} ./src/cli.ts supergraph --cwd ${JSON.stringify(work)} --test "$1" --port ${subgraphPort} || exit 1`,
        `cd ${JSON.stringify(root)} && exec ${JSON.stringify(process.execPath)} --import tsx gateway/cli.ts --supergraph ${JSON.stringify(join(work, 'supergraph.graphql'))} --port ${gatewayPort} --host 127.0.0.1 --engine ${engine}`,
        '',
      ].join('\n'),
    );
    const started = Date.now();
    const child = spawn(
      tsx,
      ['./src/cli.ts', 'test', '--cwd', work, '--run-script', join(work, 'run.sh'), '--graphql', `http://127.0.0.1:${gatewayPort}/graphql`,
        '--healthcheck', `http://127.0.0.1:${gatewayPort}/health`, '--port', String(subgraphPort), '--write', 'results.txt'],
      { cwd: audit, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NODE_OPTIONS: `--import=${preload}`, GATEWAY_TIMEOUT: process.env.GATEWAY_TIMEOUT ?? '180000' } },
    );
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    const results = readFileSync(join(work, 'results.txt'), 'utf8');
    const num = (label: string) => Number(new RegExp(`^${label}: (\\d+)$`, 'm').exec(results)?.[1] ?? NaN);
    const lines = results.split('\n---')[0]!.split('\n');
    const failedSuites: string[] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) if (lines[i + 1]!.includes('X')) failedSuites.push(`${lines[i]} ${lines[i + 1]}`);
    report({
      bench: 'gateway.audit', engine: { plan: 'plan (opsgraph executor)', hive: 'hive-router-runtime', apollo: '@apollo/gateway' }[engine] ?? engine, exit: code,
      total: num('Total'), passed: num('Passed'), failed: num('Failed'), failedSuites, seconds: Math.round((Date.now() - started) / 1000),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
