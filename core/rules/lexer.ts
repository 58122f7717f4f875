import { RuleSyntaxError } from './errors.js';

/** Maximum rule source length, in UTF-16 code units. */
export const MAX_SOURCE_LENGTH = 2000;

export type TokenKind = 'number' | 'string' | 'ident' | 'keyword' | 'op' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Raw source text of the token ('' for eof). */
  readonly text: string;
  /** 0-based offset of the first character. */
  readonly pos: number;
  /** Decoded value for number and string tokens. */
  readonly value?: number | string;
}

/** Words that are operators or literals rather than identifiers (still allowed as property names after a dot). */
export const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'in', 'contains', 'true', 'false', 'null']);

const TWO_CHAR_OPS = new Set(['==', '!=', '<=', '>=', '&&', '||']);
const ONE_CHAR_OPS = new Set(['<', '>', '!', '(', ')', '[', ']', ',', '.', '+', '-', '*', '/', '%']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0', '\\': '\\', "'": "'", '"': '"' };

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);

function describe(c: string): string {
  return /[\x20-\x7e]/.test(c) ? `'${c}'` : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Split rule source into tokens (always ending with an `eof` token).
 *
 * @example
 * ```ts
 * tokenize('a.b >= 3').map((t) => t.text); // ['a', '.', 'b', '>=', '3', '']
 * ```
 */
export function tokenize(source: string): Token[] {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new RuleSyntaxError(`Rule is longer than ${MAX_SOURCE_LENGTH} characters`, MAX_SOURCE_LENGTH, 'RULE_TOO_LONG');
  }
  const tokens: Token[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    if (isDigit(c)) {
      while (i < n && isDigit(source[i])) i++;
      if (source[i] === '.' && isDigit(source[i + 1] ?? '')) {
        i++;
        while (i < n && isDigit(source[i])) i++;
      }
      if (i < n && isIdentPart(source[i])) throw new RuleSyntaxError(`Invalid number '${source.slice(start, i + 1)}'`, start);
      const text = source.slice(start, i);
      tokens.push({ kind: 'number', text, pos: start, value: Number(text) });
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(source[i])) i++;
      const text = source.slice(start, i);
      tokens.push({ kind: KEYWORDS.has(text) ? 'keyword' : 'ident', text, pos: start });
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      let value = '';
      for (;;) {
        if (i >= n) throw new RuleSyntaxError('Unterminated string', start);
        const d = source[i];
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\') {
          const e = source[i + 1];
          if (e === undefined) throw new RuleSyntaxError('Unterminated string', start);
          if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          const mapped = ESCAPES[e];
          if (mapped === undefined) throw new RuleSyntaxError(`Invalid escape '\\${e}'`, i);
          value += mapped;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      tokens.push({ kind: 'string', text: source.slice(start, i), pos: start, value });
      continue;
    }
    const two = source.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      tokens.push({ kind: 'op', text: two, pos: start });
      i += 2;
      continue;
    }
    if (ONE_CHAR_OPS.has(c)) {
      tokens.push({ kind: 'op', text: c, pos: start });
      i++;
      continue;
    }
    const hint = c === '=' ? " (use '==' to compare)" : c === '&' ? " (use '&&' or 'and')" : c === '|' ? " (use '||' or 'or')" : '';
    throw new RuleSyntaxError(`Unexpected character ${describe(c)}${hint}`, start);
  }
  tokens.push({ kind: 'eof', text: '', pos: n });
  return tokens;
}
