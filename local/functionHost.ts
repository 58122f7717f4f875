import { fork } from 'node:child_process';
import type { FunctionName } from '../core/platform/definitions.js';

/** What the local stack shows of a running stream-triggered function. */
export interface StreamFunction {
  /** Batches handed to the function so far, retries included (for tests and benchmarks). */
  readonly invocations: number;
  /** Stops polling after the batch in progress finishes. */
  stop(): Promise<void>;
}

export interface FunctionProcessOptions {
  dataDir: string;
  idlePollMs?: number;
  retryDelayMs?: number;
}

/**
 * Starts one stream-triggered function and its event source mapping in a child process (see functionProcess.ts).
 * The child inherits this process's environment, so set the stack's variables before calling. Resolves once the
 * mapping polls.
 *
 * @example
 * const tagger = await startFunctionProcess('tagger', { dataDir: './.data' });
 */
export async function startFunctionProcess(name: FunctionName, options: FunctionProcessOptions): Promise<StreamFunction> {
  const child = fork(new URL('./functionProcess.ts', import.meta.url).pathname, [name, JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', '--no-warnings'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let invocations = 0;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { ready?: boolean; invocations?: number }) => {
      if (m.invocations !== undefined) invocations = m.invocations;
      if (m.ready) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} process exited with code ${code}`)));
  });
  return {
    get invocations() {
      return invocations;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send('stop', (err) => err && child.kill());
      await exited;
    },
  };
}
