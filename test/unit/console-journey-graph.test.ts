import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addNode, connect, layout, portsOf, problemsByNode, removeNode, type JourneyDoc } from '../../console/src/journey/graph.js';
import { validateJourney } from '../../core/journeys/validate.js';
import { instantiateTemplate } from '../../core/journeys/templates.js';

// The console's journey editing, checked against the engine's own validator: what the diagram does is what the API accepts.
const journey = (): JourneyDoc => instantiateTemplate('cart_abandon_coupon') as unknown as JourneyDoc;

describe('console journey graph', () => {
  it('finds every port of every node type, in handle order', () => {
    assert.deepEqual(portsOf({ type: 'CONDITION', yes: 'a', no: 'b' }), [{ port: 'yes', target: 'a' }, { port: 'no', target: 'b' }]);
    assert.deepEqual(
      portsOf({ type: 'MULTI', branches: [{ condition: 'x', next: 'a' }, { condition: 'y', next: 'b' }], else: 'c' }).map((p) => [p.port, p.target]),
      [['branches.0', 'a'], ['branches.1', 'b'], ['else', 'c']],
    );
    assert.deepEqual(portsOf({ type: 'WAIT_FOR_EVENT', onEvent: 'a', onTimeout: '' }), [{ port: 'onEvent', target: 'a' }, { port: 'onTimeout', target: undefined }]);
    assert.deepEqual(portsOf({ type: 'EXIT' }), []);
    assert.deepEqual(portsOf({ type: 'SEND', next: 'z' }), [{ port: 'next', target: 'z' }]);
  });

  it('a template stays valid; a new node is reported until it is connected, then the journey is valid again', () => {
    const base = journey();
    assert.deepEqual(validateJourney(base), []);
    const { journey: added, id } = addNode(base, 'ACTION');
    assert.equal(id, 'action1');
    const problems = problemsByNode(validateJourney(added));
    assert.ok(problems.get(id)?.some((p) => p.code === 'UNREACHABLE_NODE'), JSON.stringify([...problems]));
    assert.ok(problems.get(id)?.some((p) => p.path === `nodes.${id}.next`), 'its empty next is named');
    // Put the action between the start node and its first target.
    const [first] = portsOf(added.nodes[added.start]!);
    const rewired = connect(connect(added, added.start, first!.port, id), id, 'next', first!.target!);
    assert.deepEqual(validateJourney(rewired), []);
    assert.equal(base.nodes[base.start]![first!.port], first!.target, 'edits copy; the original is untouched');
    // Removing it leaves the start's port empty, which the validator names.
    const removed = removeNode(rewired, id);
    assert.ok(validateJourney(removed).some((p) => p.path === `nodes.${removed.start}.${first!.port}`));
  });

  it('connects a branch port without touching the other branches', () => {
    const doc: JourneyDoc = { start: 'r', nodes: { r: { type: 'RANDOM', branches: [{ percent: 50, next: 'a' }, { percent: 50, next: 'b' }] }, a: { type: 'EXIT' }, b: { type: 'EXIT' }, c: { type: 'EXIT' } } };
    const next = connect(doc, 'r', 'branches.1', 'c');
    assert.deepEqual(next.nodes.r!.branches, [{ percent: 50, next: 'a' }, { percent: 50, next: 'c' }]);
  });

  it('lays nodes out by distance from start, unreachable ones last', () => {
    const doc: JourneyDoc = { start: 's', nodes: { s: { type: 'CONDITION', yes: 'a', no: 'b' }, a: { type: 'EXIT' }, b: { type: 'EXIT' }, lost: { type: 'EXIT' } } };
    const at = layout(doc, 100, 10);
    assert.deepEqual([...at], [['s', { x: 0, y: 0 }], ['a', { x: 100, y: 0 }], ['b', { x: 100, y: 10 }], ['lost', { x: 200, y: 0 }]]);
  });
});
