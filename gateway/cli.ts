/**
 * `npm run gateway -- --supergraph FILE --port N [--host H] [--engine plan|hive|apollo] [--dedupe]`: serves any
 * supergraph over HTTP (`POST /graphql`, no auth, remote subgraphs) with the engine the product uses (`plan`:
 * Hive Router's query planner and opsgraph's plan executor behind Apollo Server). `--engine hive` serves it with
 * Hive Gateway's runtime (the same planner), `--engine apollo` with `@apollo/gateway`, for side-by-side
 * comparisons. `--dedupe` turns on merging of identical in-flight subgraph requests.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startGatewayServer, type EngineName } from './serve.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export async function main(): Promise<void> {
  const file = flag('supergraph');
  if (!file) {
    console.error('usage: npm run gateway -- --supergraph FILE --port N [--host 127.0.0.1] [--engine plan|hive|apollo] [--dedupe]');
    process.exit(2);
  }
  const engine = (flag('engine') ?? 'plan') as EngineName;
  if (!['plan', 'hive', 'apollo'].includes(engine)) throw new Error(`unknown engine ${engine}`);
  const served = await startGatewayServer({
    engine,
    supergraphSdl: readFileSync(file, 'utf8'),
    port: Number(flag('port') ?? 4000),
    host: flag('host') ?? '127.0.0.1',
    dedupe: process.argv.includes('--dedupe'),
  });
  console.log(`gateway (${engine}) on http://${served.host}:${served.port}/graphql`);
  const stop = () => void served.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
