import { environmentFor, FUNCTIONS, type FunctionDefinition } from '../core/platform/definitions.js';

/** The stage name of the embedded runtime. */
export const LOCAL_STAGE = 'local';

/**
 * The environment the local runtime gives one function: the same contract as the CDK stack, from the same
 * definitions. The local runtime runs every handler in one process, so it installs the union of these.
 *
 * @example
 * localEnvironment(FUNCTIONS.tagger).PROFILES_TABLE // 'opsgraph-local-profiles'
 */
export function localEnvironment(fn: FunctionDefinition): Record<string, string> {
  return environmentFor(fn, LOCAL_STAGE);
}

/** The union of every function's local environment. */
export function allLocalEnvironment(): Record<string, string> {
  return Object.assign({}, ...Object.values(FUNCTIONS).map((fn) => localEnvironment(fn)));
}
