import { optionalEnv } from '../core/platform/env.js';
import { startLocalStack } from './localStack.js';
import { localLog } from './log.js';

// `npm start`: the whole stack on loopback, data under OPSGRAPH_DATA_DIR, until Ctrl-C.
const port = Number(optionalEnv('PORT') ?? 4000);
const dataDir = optionalEnv('OPSGRAPH_DATA_DIR') ?? './.data';
const stack = await startLocalStack({ port, dataDir, apiKey: optionalEnv('OPSGRAPH_API_KEY'), schedules: true });

console.log(`opsgraph is running (data in ${dataDir})
  Console:  ${stack.url}/console/
  GraphQL:  ${stack.graphqlUrl}
  Ingest:   ${stack.ingestUrl}
  API key:  ${stack.apiKey}

Try:
  curl -s ${stack.ingestUrl} -H 'content-type: application/json' -H 'x-api-key: ${stack.apiKey}' \\
    -d '{"events":[{"type":"track","event":"order_completed","userId":"u1","timestamp":"${new Date().toISOString()}","properties":{"orderId":"o1","revenue":1200}}]}'
  curl -s ${stack.graphqlUrl} -H 'content-type: application/json' -H 'x-api-key: ${stack.apiKey}' \\
    -d '{"query":"{ user(id: \\"u1\\") { id stats { orders revenue lastSeenAt } tags { name since } } }"}'
`);

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  localLog.info('shutting down', { signal });
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await stack.close();
  localLog.info('stopped cleanly');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
