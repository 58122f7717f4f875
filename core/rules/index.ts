export type * from './ast.js';
export { RuleSyntaxError, type RuleErrorCode } from './errors.js';
export { tokenize, MAX_SOURCE_LENGTH, type Token, type TokenKind } from './lexer.js';
export { parse, MAX_DEPTH, MAX_NODES, FORBIDDEN_NAMES } from './parser.js';
export { check, validate, type CheckResult, type RuleFunction, type RuleOptions } from './check.js';
export { compile, matches, truthy, type CompiledRule, type RuleContext } from './evaluate.js';
export { callsOf, variablesRead, type VariableReads } from './reads.js';
