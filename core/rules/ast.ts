/** AST of the rule language. Every node carries `pos`, the 0-based source offset where it starts. */

export type LiteralValue = string | number | boolean | null;

export type BinaryOp =
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | 'contains'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%';

export interface LiteralExpr {
  readonly kind: 'literal';
  readonly pos: number;
  readonly value: LiteralValue;
}

export interface ArrayExpr {
  readonly kind: 'array';
  readonly pos: number;
  readonly items: readonly Expr[];
}

/** A root variable, looked up in the evaluation context (`stats`, `traits`, ...). */
export interface VariableExpr {
  readonly kind: 'variable';
  readonly pos: number;
  readonly name: string;
}

/** `object.property` or `object["property"]` (or `object[0]`); own properties only. */
export interface MemberExpr {
  readonly kind: 'member';
  readonly pos: number;
  readonly object: Expr;
  readonly property: string;
}

/** `name(args...)`; `name` must be in the caller's function whitelist. */
export interface CallExpr {
  readonly kind: 'call';
  readonly pos: number;
  readonly callee: string;
  readonly args: readonly Expr[];
}

export interface UnaryExpr {
  readonly kind: 'unary';
  readonly pos: number;
  readonly op: 'not' | 'neg';
  readonly operand: Expr;
}

export interface BinaryExpr {
  readonly kind: 'binary';
  /** Offset of the operator token. */
  readonly pos: number;
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}

/** `a and b and c` / `a or b or c`, flattened (always two or more operands). */
export interface LogicalExpr {
  readonly kind: 'logical';
  readonly pos: number;
  readonly op: 'and' | 'or';
  readonly operands: readonly Expr[];
}

export type Expr =
  | LiteralExpr
  | ArrayExpr
  | VariableExpr
  | MemberExpr
  | CallExpr
  | UnaryExpr
  | BinaryExpr
  | LogicalExpr;

/** The direct sub-expressions of a node, for walkers that treat most node kinds alike. */
export function childrenOf(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'literal':
    case 'variable':
      return [];
    case 'array':
      return e.items;
    case 'member':
      return [e.object];
    case 'call':
      return e.args;
    case 'unary':
      return [e.operand];
    case 'binary':
      return [e.left, e.right];
    case 'logical':
      return e.operands;
  }
}
