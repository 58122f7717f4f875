import { ENV, environmentFor, FUNCTIONS, type FunctionDefinition } from '../core/platform/definitions.js';

/** The stage name of the embedded runtime. */
export const LOCAL_STAGE = 'local';

/**
 * The environment the local runtime gives one function: the same contract as the CDK stack, from the same
 * definitions. The local runtime runs every handler in one process, so it installs the union of these.
 * One value differs: tracing is off, as there is no X-Ray daemon here (and nothing may leave the machine).
 *
 * @example
 * localEnvironment(FUNCTIONS.tagger).PROFILES_TABLE // 'opsgraph-local-profiles'
 */
export function localEnvironment(fn: FunctionDefinition): Record<string, string> {
  const env = environmentFor(fn, LOCAL_STAGE);
  if (ENV.traceEnabled in env) env[ENV.traceEnabled] = 'false';
  return env;
}

/** The union of every function's local environment. */
export function allLocalEnvironment(): Record<string, string> {
  return Object.assign({}, ...Object.values(FUNCTIONS).map((fn) => localEnvironment(fn)));
}
