import { ENV, environmentFor, FUNCTIONS, type FunctionDefinition } from '../core/platform/definitions.js';

/** The stage name of the embedded runtime. */
export const LOCAL_STAGE = 'local';

/**
 * The environment the local runtime gives one function: the same contract as the CDK stack, from the same
 * definitions. The local runtime runs every handler in one process, so it installs the union of these.
 * Two values differ: tracing is off, as there is no X-Ray daemon here (and nothing may leave the machine), and
 * the stage's PII list, token settings and senders are the shell's `PII_TRAITS`, `JWT_SETTINGS` and `MESSAGING_SETTINGS`.
 *
 * @example
 * localEnvironment(FUNCTIONS.tagger).PROFILES_TABLE // 'opsgraph-local-profiles'
 */
export function localEnvironment(fn: FunctionDefinition): Record<string, string> {
  const env = environmentFor(fn, LOCAL_STAGE);
  if (ENV.traceEnabled in env) env[ENV.traceEnabled] = 'false';
  // The stage data of the local stage is the shell's: `PII_TRAITS=loyalty_card npm start`, JWT_SETTINGS and
  // MESSAGING_SETTINGS likewise (unset: email and sms write to the outbox only).
  for (const name of [ENV.piiTraits, ENV.jwtSettings, ENV.messaging]) if (name in env) env[name] = process.env[name] ?? '';
  // A developer's own stack shows its schema (GraphiQL-style tools, codegen against it).
  if (ENV.graphqlIntrospection in env) env[ENV.graphqlIntrospection] = 'true';
  return env;
}

/** The union of every function's local environment. */
export function allLocalEnvironment(): Record<string, string> {
  return Object.assign({}, ...Object.values(FUNCTIONS).map((fn) => localEnvironment(fn)));
}
