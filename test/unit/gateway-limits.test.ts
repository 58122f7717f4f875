import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { measureOperation } from '../../gateway/limits.js';

const schema = buildSchema(`
  type Query { users(first: Int = 20): UserConnection!, user(id: ID!): User }
  type UserConnection { edges: [UserEdge!]!, totalCount: Int! }
  type UserEdge { node: User! }
  type User { id: ID!, events(first: Int = 20): EventConnection! }
  type EventConnection { edges: [EventEdge!]! }
  type EventEdge { node: Event! }
  type Event { eventId: ID!, timestamp: String! }
`);

function measure(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return measureOperation(schema, document, op, variables);
}

// users{edges{node{events{edges{node{eventId timestamp}}}}}}: 1 + n·(1 + 1 + 1 + m·(1 + 1 + 2))
const nested = (n: number, m: number) => 1 + n * (3 + m * 4);
const PAGED = '{ edges { node { events(first: $m) { edges { node { eventId timestamp } } } } } }';

describe('query cost', () => {
  it('prices a literal first', () => {
    const m = measure('{ users(first: 100) { edges { node { events(first: 100) { edges { node { eventId timestamp } } } } } } }');
    assert.equal(m.cost, nested(100, 100));
    assert.equal(m.depth, 7);
  });

  it('prices first given by variables, variable defaults and schema defaults', () => {
    assert.equal(measure(`query($n: Int, $m: Int) { users(first: $n) ${PAGED} }`, { n: 100, m: 100 }).cost, nested(100, 100));
    assert.equal(measure(`query($n: Int = 100, $m: Int = 50) { users(first: $n) ${PAGED} }`).cost, nested(100, 50));
    // Missing variables and omitted arguments fall back to the schema default (20).
    assert.equal(measure(`query($n: Int, $m: Int) { users(first: $n) ${PAGED} }`).cost, nested(20, 20));
    assert.equal(measure('{ users { edges { node { events { edges { node { eventId timestamp } } } } } } }').cost, nested(20, 20));
  });

  it('counts aliases and prices each aliased field', () => {
    const m = measure('{ a: users(first: 10) { totalCount } b: users(first: 10) { totalCount } c: user(id: "x") { id } }');
    assert.equal(m.aliases, 3);
    assert.equal(m.cost, 2 * (1 + 10 * 1) + 2);
  });

  it('prices fragments (spread twice) exactly, in time linear in the document', () => {
    const n = 30;
    let query = 'query { user(id: "x") { ...F0 } }\n';
    for (let i = 0; i < n; i++) query += `fragment F${i} on User { events(first: 1) { edges { node { eventId } } } a${i}: id ...F${i + 1} ...F${i + 1} }\n`;
    query += `fragment F${n} on User { id }\n`;
    const started = process.hrtime.bigint();
    const m = measure(query);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // F_n = 1; F_i = 4 (a page of one event) + 1 (alias) + 2·F_{i+1}.
    let frag = 1;
    let aliases = 0;
    for (let i = n - 1; i >= 0; i--) {
      frag = 5 + 2 * frag;
      aliases = 1 + 2 * aliases;
    }
    assert.equal(m.cost, 1 + frag);
    assert.equal(m.aliases, aliases);
    assert.ok(ms < 1_000, `measuring took ${ms} ms`); // a sanity timeout: unmemoized, this walks 2^30 spreads
  });

  it('ignores cyclic fragments (validation reports them)', () => {
    const m = measure('{ user(id: "x") { ...A } } fragment A on User { id ...B } fragment B on User { ...A }');
    assert.equal(m.cost, 2);
  });
});
