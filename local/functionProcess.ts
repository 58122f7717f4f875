import { join } from 'node:path';
import { FUNCTIONS, physicalName, STREAMS, type FunctionDefinition, type FunctionName } from '../core/platform/definitions.js';
import { DeadLetterStore } from './deadLetters.js';
import { LOCAL_STAGE } from './environment.js';
import { EventSourceMapping, type KinesisHandler } from './eventSourceMapping.js';
import { loadHandler } from './handlers.js';
import type { FunctionProcessOptions } from './functionHost.js';

/*
 * One stream-triggered function in a process of its own, with its event source mapping: on AWS each function
 * runs in its own containers, so a busy churn scorer never delays the tagger's batches. Started by
 * `startFunctionProcess` with the stack's environment; reports each invocation over IPC and stops on "stop".
 */
const [name, optionsJson] = process.argv.slice(2) as [FunctionName, string];
if (!name || !process.send) throw new Error('functionProcess is started by startFunctionProcess');
const options = JSON.parse(optionsJson) as FunctionProcessOptions;
const fn: FunctionDefinition = FUNCTIONS[name];
if (!fn.source) throw new Error(`${name} has no stream source`);

const handler = await loadHandler<KinesisHandler>(fn);
const mapping = new EventSourceMapping({
  functionName: name,
  streamName: physicalName(LOCAL_STAGE, STREAMS[fn.source.stream].name),
  settings: fn.source,
  handler: async (event) => {
    try {
      return await handler(event);
    } finally {
      process.send!({ invocations: mapping.invocations });
    }
  },
  deadLetters: new DeadLetterStore(join(options.dataDir, 'dead-letters', `${name}.jsonl`)),
  checkpointDir: join(options.dataDir, 'checkpoints'),
  idlePollMs: options.idlePollMs,
  retryDelayMs: options.retryDelayMs,
});
await mapping.start();
process.send({ ready: true });

process.on('message', async (message) => {
  if (message === 'stop') {
    await mapping.stop();
    process.exit(0);
  }
});
// Ctrl-C reaches the whole process group: the parent stops this process after its batch in progress, so the
// checkpoint stays exact. The parent going away (crash) must not leave the poller running.
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
