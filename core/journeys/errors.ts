/** Machine-readable codes of {@link JourneyTemplateError}; GraphQL puts them in `extensions.code`. */
export type JourneyTemplateErrorCode = 'UNKNOWN_TEMPLATE' | 'BAD_TEMPLATE_PARAMS';

/**
 * A template that does not exist, or parameters it does not accept. Thrown (not returned) because a caller can only
 * fix its input; `problems` says what, per parameter.
 *
 * @example
 * try { instantiateTemplate('nope', {}) } catch (e) { if (e instanceof JourneyTemplateError) console.log(e.code) } // UNKNOWN_TEMPLATE
 */
export class JourneyTemplateError extends Error {
  readonly code: JourneyTemplateErrorCode;
  readonly problems: ReadonlyArray<{ path: string; message: string }>;

  constructor(code: JourneyTemplateErrorCode, message: string, problems: ReadonlyArray<{ path: string; message: string }> = []) {
    super(message);
    this.name = 'JourneyTemplateError';
    this.code = code;
    this.problems = problems;
  }
}
