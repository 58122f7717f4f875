/** Machine-readable error codes raised while parsing, checking or compiling a rule. */
export type RuleErrorCode =
  | 'RULE_SYNTAX'
  | 'RULE_TOO_LONG'
  | 'RULE_TOO_DEEP'
  | 'RULE_TOO_COMPLEX'
  | 'RULE_UNKNOWN_FUNCTION'
  | 'RULE_UNKNOWN_VARIABLE'
  | 'RULE_FORBIDDEN_PROPERTY';

/**
 * The one error type the rule language throws for bad rule *source*. Anything else thrown from this module is a
 * programmer error (e.g. a non-object evaluation context).
 *
 * @example
 * ```ts
 * try { parse('a ==') } catch (e) {
 *   if (e instanceof RuleSyntaxError) console.log(e.code, e.position, e.message); // RULE_SYNTAX 4 "Unexpected end of input at 4"
 * }
 * ```
 */
export class RuleSyntaxError extends Error {
  /** 0-based offset into the rule source. */
  readonly position: number;
  readonly code: RuleErrorCode;

  constructor(message: string, position: number, code: RuleErrorCode = 'RULE_SYNTAX') {
    super(`${message} at ${position}`);
    this.name = 'RuleSyntaxError';
    this.position = position;
    this.code = code;
  }
}
