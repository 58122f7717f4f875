import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse, tokenize, RuleSyntaxError, MAX_SOURCE_LENGTH, type Expr } from '../../core/rules/index.js';

/** Compact s-expression rendering of an AST, for precedence assertions. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return JSON.stringify(e.value);
    case 'array':
      return `[${e.items.map(show).join(' ')}]`;
    case 'variable':
      return e.name;
    case 'member':
      return `${show(e.object)}.${e.property}`;
    case 'call':
      return `${e.callee}(${e.args.map(show).join(' ')})`;
    case 'unary':
      return `(${e.op} ${show(e.operand)})`;
    case 'binary':
      return `(${e.op} ${show(e.left)} ${show(e.right)})`;
    case 'logical':
      return `(${e.op} ${e.operands.map(show).join(' ')})`;
  }
}

function syntaxError(source: string): RuleSyntaxError {
  try {
    parse(source);
  } catch (e) {
    assert.ok(e instanceof RuleSyntaxError, `expected RuleSyntaxError, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${JSON.stringify(source)} to fail`);
}

describe('rules lexer', () => {
  it('tokenizes numbers, strings with escapes, operators and keywords', () => {
    const t = tokenize(`12 3.5 'it\\'s' "a\\"b\\n\\u4e2d" == != <= >= && || ! contains x.y`);
    assert.deepEqual(
      t.map((x) => x.kind),
      ['number', 'number', 'string', 'string', 'op', 'op', 'op', 'op', 'op', 'op', 'op', 'keyword', 'ident', 'op', 'ident', 'eof'],
    );
    assert.equal(t[1].value, 3.5);
    assert.equal(t[2].value, "it's");
    assert.equal(t[3].value, 'a"b\n中');
  });

  it('reports bad characters, escapes and unterminated strings with positions', () => {
    assert.deepEqual([syntaxError('a = 1').position, syntaxError('a = 1').code], [2, 'RULE_SYNTAX']);
    assert.match(syntaxError('a = 1').message, /'=='/);
    assert.equal(syntaxError('"abc').position, 0);
    assert.equal(syntaxError('x == "a\\q"').position, 7);
    assert.equal(syntaxError('12abc').position, 0);
    assert.equal(syntaxError('a # b').position, 2);
  });
});

describe('rules parser', () => {
  const table: [string, string][] = [
    ['1 + 2 * 3', '(+ 1 (* 2 3))'],
    ['(1 + 2) * 3', '(* (+ 1 2) 3)'],
    ['10 - 4 - 3', '(- (- 10 4) 3)'],
    ['-a * 2', '(* (neg a) 2)'],
    ['-3', '-3'],
    ['a or b and c', '(or a (and b c))'],
    ['a || b && c', '(or a (and b c))'],
    ['a and b and c', '(and a b c)'],
    ['not a == b', '(not (== a b))'],
    ['!a and b', '(and (not a) b)'],
    ['not not a', '(not (not a))'],
    ['a == 1 + 2', '(== a (+ 1 2))'],
    ['x in [1, "a"] == true', '(== (in x [1 "a"]) true)'],
    ['tags contains "vip" in list', '(in (contains tags "vip") list)'],
    ['a + 1 contains b', '(contains (+ a 1) b)'],
    ['stats.revenue >= 100', '(>= stats.revenue 100)'],
    ['traits["first name"] == "Li"', '(== traits.first name "Li")'],
    ['items[0].sku', 'items.0.sku'],
    ['event.properties.in', 'event.properties.in'],
    ['f(a, g(1), [])', 'f(a g(1) [])'],
    ['f().x', 'f().x'],
    ['null == null', '(== null null)'],
    ['a % 2 == 0 or b / 2 < 1', '(or (== (% a 2) 0) (< (/ b 2) 1))'],
  ];
  for (const [src, expected] of table) {
    it(`parses ${src}`, () => assert.equal(show(parse(src)), expected));
  }

  it('records node positions', () => {
    const e = parse('stats.x   >= f(y)');
    assert.equal(e.kind, 'binary');
    if (e.kind !== 'binary') return;
    assert.equal(e.pos, 10);
    assert.equal(e.right.pos, 13);
  });

  const errors: [string, number, string?][] = [
    ['', 0],
    ['a ==', 4],
    ['(a', 2],
    ['a )', 2],
    ['a b', 2],
    ['f(1,)', 4],
    ['[1, 2', 5],
    ['a.', 2],
    ['a.1', 2],
    ['a[b]', 2],
    ['a[-1]', 2],
    ['a.b(1)', 3],
    ['and', 0],
    ['1 2', 2],
  ];
  for (const [src, pos] of errors) {
    it(`rejects ${JSON.stringify(src)} at ${pos}`, () => {
      const e = syntaxError(src);
      assert.equal(e.code, 'RULE_SYNTAX');
      assert.equal(e.position, pos);
      assert.ok(e.message.endsWith(` at ${pos}`), e.message);
    });
  }

  it('uses a human message', () => {
    assert.equal(syntaxError('stats.x == (1 + ) ').message, "Unexpected token ')' at 16");
    assert.equal(syntaxError('a ==').message, 'Unexpected end of input at 4');
  });

  it('rejects forbidden property names anywhere at parse time', () => {
    for (const [src, pos] of [
      ['traits.__proto__', 7],
      ['traits["constructor"]', 7],
      ['a.b.prototype == 1', 4],
      ['constructor', 0],
      ['__proto__(1)', 0],
      ['x["__proto__"].y', 2],
    ] as const) {
      const e = syntaxError(src);
      assert.equal(e.code, 'RULE_FORBIDDEN_PROPERTY', src);
      assert.equal(e.position, pos, src);
    }
  });

  it('enforces the source length limit', () => {
    const ok = 'a' + ' '.repeat(MAX_SOURCE_LENGTH - 1);
    assert.doesNotThrow(() => parse(ok));
    const e = syntaxError(ok + ' ');
    assert.equal(e.code, 'RULE_TOO_LONG');
    assert.equal(e.position, MAX_SOURCE_LENGTH);
  });

  it('enforces the nesting depth limit', () => {
    assert.doesNotThrow(() => parse('('.repeat(31) + '1' + ')'.repeat(31)));
    assert.equal(syntaxError('('.repeat(32) + '1' + ')'.repeat(32)).code, 'RULE_TOO_DEEP');
    assert.equal(syntaxError('not '.repeat(40) + 'a').code, 'RULE_TOO_DEEP');
    assert.equal(syntaxError('-'.repeat(40) + '1').code, 'RULE_TOO_DEEP');
    assert.equal(syntaxError('['.repeat(40) + ']'.repeat(40)).code, 'RULE_TOO_DEEP');
    assert.equal(syntaxError('f('.repeat(40) + ')'.repeat(40)).code, 'RULE_TOO_DEEP');
    // long flat chains are not nesting
    assert.doesNotThrow(() => parse(Array.from({ length: 60 }, (_, i) => `a${i}`).join(' or ')));
  });

  it('enforces the node count limit', () => {
    assert.doesNotThrow(() => parse(`[${Array(199).fill('1').join(',')}]`));
    const e = syntaxError(`[${Array(200).fill('1').join(',')}]`);
    assert.equal(e.code, 'RULE_TOO_COMPLEX');
  });
});
