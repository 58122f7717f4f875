/**
 * A caller handed the stats engine input it cannot analyse (no users, negative counts, mismatched weights, ...).
 * `code` matches the GraphQL error code that the wiring phase surfaces, so the message reaches the user unchanged.
 *
 * @example
 * ```ts
 * try { analyzeExperiment(input); } catch (e) { if (e instanceof ExperimentInputError) console.log(e.code); }
 * ```
 */
export class ExperimentInputError extends Error {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentInputError';
  }
}
