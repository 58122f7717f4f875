import type { BinaryOp, Expr, LiteralValue } from './ast.js';
import { RuleSyntaxError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** Maximum nesting depth (parentheses, brackets, call arguments, prefix operators). */
export const MAX_DEPTH = 32;
/** Maximum number of AST nodes in one rule. */
export const MAX_NODES = 200;

/** Property and variable names that can never be read, whatever the data. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private depth = 0;
  private nodes = 0;

  constructor(source: string) {
    this.tokens = tokenize(source);
  }

  parseRule(): Expr {
    if (this.peek().kind === 'eof') throw new RuleSyntaxError('Empty rule', 0);
    const expr = this.expression();
    const t = this.peek();
    if (t.kind !== 'eof') this.unexpected(t);
    return expr;
  }

  // ---- token helpers ----

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  /** True when the next token is operator/keyword `text` (keywords and ops share the namespace of `text`). */
  private at(...texts: string[]): boolean {
    const t = this.peek();
    return (t.kind === 'op' || t.kind === 'keyword') && texts.includes(t.text);
  }

  private expect(text: string): Token {
    const t = this.peek();
    if ((t.kind === 'op' || t.kind === 'keyword') && t.text === text) return this.next();
    return this.unexpected(t);
  }

  private unexpected(t: Token): never {
    if (t.kind === 'eof') throw new RuleSyntaxError('Unexpected end of input', t.pos);
    const text = t.text.length > 24 ? `${t.text.slice(0, 24)}…` : t.text;
    throw new RuleSyntaxError(`Unexpected token '${text}'`, t.pos);
  }

  private node<T extends Expr>(n: T): T {
    if (++this.nodes > MAX_NODES) {
      throw new RuleSyntaxError(`Rule has more than ${MAX_NODES} nodes`, n.pos, 'RULE_TOO_COMPLEX');
    }
    return n;
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) {
      throw new RuleSyntaxError(`Rule is nested deeper than ${MAX_DEPTH} levels`, pos, 'RULE_TOO_DEEP');
    }
  }

  private leave(): void {
    this.depth--;
  }

  private checkName(name: string, pos: number): void {
    if (FORBIDDEN_NAMES.has(name)) {
      throw new RuleSyntaxError(`Forbidden property '${name}'`, pos, 'RULE_FORBIDDEN_PROPERTY');
    }
  }

  // ---- grammar, lowest precedence first ----

  private expression(): Expr {
    this.enter(this.peek().pos);
    const e = this.logical('or', ['or', '||'], () => this.logical('and', ['and', '&&'], () => this.not()));
    this.leave();
    return e;
  }

  private logical(op: 'and' | 'or', tokens: string[], operand: () => Expr): Expr {
    const first = operand();
    if (!this.at(...tokens)) return first;
    const operands = [first];
    while (this.at(...tokens)) {
      this.next();
      operands.push(operand());
    }
    return this.node({ kind: 'logical', pos: first.pos, op, operands });
  }

  private not(): Expr {
    if (this.at('not', '!')) {
      const t = this.next();
      this.enter(t.pos);
      const operand = this.not();
      this.leave();
      return this.node({ kind: 'unary', pos: t.pos, op: 'not', operand });
    }
    return this.comparison();
  }

  private binaryLevel(ops: ReadonlySet<string>, operand: () => Expr): Expr {
    let left = operand();
    while (this.at(...ops)) {
      const t = this.next();
      const right = operand();
      left = this.node({ kind: 'binary', pos: t.pos, op: t.text as BinaryOp, left, right });
    }
    return left;
  }

  private comparison(): Expr {
    return this.binaryLevel(COMPARISON_OPS, () => this.inExpr());
  }

  private inExpr(): Expr {
    return this.binaryLevel(IN_OPS, () => this.containsExpr());
  }

  private containsExpr(): Expr {
    return this.binaryLevel(CONTAINS_OPS, () => this.additive());
  }

  private additive(): Expr {
    return this.binaryLevel(ADD_OPS, () => this.multiplicative());
  }

  private multiplicative(): Expr {
    return this.binaryLevel(MUL_OPS, () => this.unary());
  }

  private unary(): Expr {
    if (this.at('-')) {
      const t = this.next();
      this.enter(t.pos);
      const operand = this.unary();
      this.leave();
      // Fold `-3` into a literal so negative numbers cost one node.
      if (operand.kind === 'literal' && typeof operand.value === 'number') {
        return { kind: 'literal', pos: t.pos, value: -operand.value };
      }
      return this.node({ kind: 'unary', pos: t.pos, op: 'neg', operand });
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let object = this.primary();
    for (;;) {
      if (this.at('.')) {
        this.next();
        const t = this.next();
        if (t.kind !== 'ident' && t.kind !== 'keyword') this.unexpected(t);
        this.checkName(t.text, t.pos);
        object = this.node({ kind: 'member', pos: object.pos, object, property: t.text });
      } else if (this.at('[')) {
        this.next();
        const t = this.next();
        let property: string;
        if (t.kind === 'string') property = t.value as string;
        else if (t.kind === 'number' && Number.isSafeInteger(t.value)) property = String(t.value);
        else return this.unexpected(t);
        this.checkName(property, t.pos);
        this.expect(']');
        object = this.node({ kind: 'member', pos: object.pos, object, property });
      } else {
        return object;
      }
    }
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'number':
      case 'string':
        return this.node({ kind: 'literal', pos: t.pos, value: t.value as LiteralValue });
      case 'keyword':
        if (t.text === 'true' || t.text === 'false' || t.text === 'null') {
          const value = t.text === 'null' ? null : t.text === 'true';
          return this.node({ kind: 'literal', pos: t.pos, value });
        }
        return this.unexpected(t);
      case 'ident': {
        this.checkName(t.text, t.pos);
        if (!this.at('(')) return this.node({ kind: 'variable', pos: t.pos, name: t.text });
        this.next();
        const args = this.list(')', t.pos);
        return this.node({ kind: 'call', pos: t.pos, callee: t.text, args });
      }
      case 'op':
        if (t.text === '(') {
          const e = this.expression();
          this.expect(')');
          return e;
        }
        if (t.text === '[') {
          const items = this.list(']', t.pos);
          return this.node({ kind: 'array', pos: t.pos, items });
        }
        return this.unexpected(t);
      default:
        return this.unexpected(t);
    }
  }

  /** Comma-separated expressions up to `close` (opening token already consumed). */
  private list(close: string, pos: number): Expr[] {
    this.enter(pos);
    const items: Expr[] = [];
    if (!this.at(close)) {
      for (;;) {
        items.push(this.expression());
        if (!this.at(',')) break;
        this.next();
      }
    }
    this.expect(close);
    this.leave();
    return items;
  }
}

const IN_OPS: ReadonlySet<string> = new Set(['in']);
const CONTAINS_OPS: ReadonlySet<string> = new Set(['contains']);
const ADD_OPS: ReadonlySet<string> = new Set(['+', '-']);
const MUL_OPS: ReadonlySet<string> = new Set(['*', '/', '%']);

/**
 * Parse rule source into an AST. Throws {@link RuleSyntaxError} on any bad input (syntax, length, depth, size,
 * forbidden property names); it does not check function or variable names — see `compile`/`check` for that.
 *
 * @example
 * ```ts
 * const ast = parse('stats.revenue > 100 and traits.plan == "pro"');
 * ast.kind; // 'logical'
 * ```
 */
export function parse(source: string): Expr {
  if (typeof source !== 'string') throw new TypeError('rule source must be a string');
  return new Parser(source).parseRule();
}
