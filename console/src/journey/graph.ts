/**
 * The journey document (docs/architecture.md, "Strategy engine contract") as a graph the editor draws: each node's
 * outgoing ports, edits that keep the document a plain JSON value, a layered layout, and problems by node.
 * Pure, so test/unit/console-journey-graph.test.ts checks it without a browser.
 */

export interface JourneyNode {
  type: string;
  [field: string]: unknown;
}
export interface JourneyDoc {
  start: string;
  nodes: Record<string, JourneyNode>;
  [field: string]: unknown;
}
export interface Port {
  /** Where the target lives in the node: `next`, `yes`, `no`, `else`, `onEvent`, `onTimeout` or `branches.<i>`. */
  port: string;
  target: string | undefined;
}
export interface Problem {
  path: string;
  code: string;
  message: string;
}

export const NODE_TYPES = ['WAIT', 'CONDITION', 'MULTI', 'RANDOM', 'HOLDOUT', 'SEND', 'WAIT_FOR_EVENT', 'ACTION', 'EXIT'] as const;

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const branchesOf = (node: JourneyNode) => (Array.isArray(node.branches) ? (node.branches as Array<Record<string, unknown>>) : []);

/** The node's outgoing edges, in the order the editor shows its handles. */
export function portsOf(node: JourneyNode): Port[] {
  switch (node.type) {
    case 'CONDITION':
      return [{ port: 'yes', target: str(node.yes) }, { port: 'no', target: str(node.no) }];
    case 'MULTI':
      return [...branchesOf(node).map((b, i) => ({ port: `branches.${i}`, target: str(b.next) })), { port: 'else', target: str(node.else) }];
    case 'RANDOM':
      return branchesOf(node).map((b, i) => ({ port: `branches.${i}`, target: str(b.next) }));
    case 'WAIT_FOR_EVENT':
      return [{ port: 'onEvent', target: str(node.onEvent) }, { port: 'onTimeout', target: str(node.onTimeout) }];
    case 'EXIT':
      return [];
    default:
      return [{ port: 'next', target: str(node.next) }];
  }
}

/** A copy of the journey with one port of one node pointing at `target`. */
export function connect(journey: JourneyDoc, nodeId: string, port: string, target: string): JourneyDoc {
  const node = { ...journey.nodes[nodeId]! };
  const branch = /^branches\.(\d+)$/.exec(port);
  if (branch) {
    const branches = branchesOf(node).map((b) => ({ ...b }));
    branches[Number(branch[1])] = { ...branches[Number(branch[1])], next: target };
    node.branches = branches;
  } else {
    node[port] = target;
  }
  return { ...journey, nodes: { ...journey.nodes, [nodeId]: node } };
}

/** A starting node of each type, valid on its own once its ports are connected. */
export function newNode(type: (typeof NODE_TYPES)[number]): JourneyNode {
  switch (type) {
    case 'WAIT':
      return { type, duration: 'P1D', next: '' };
    case 'CONDITION':
      return { type, condition: 'stats.orders > 0', yes: '', no: '' };
    case 'MULTI':
      return { type, branches: [{ condition: 'stats.orders > 0', next: '' }], else: '' };
    case 'RANDOM':
      return { type, branches: [{ percent: 50, next: '' }, { percent: 50, next: '' }] };
    case 'HOLDOUT':
      return { type, percent: 10, next: '' };
    case 'SEND':
      return { type, channel: 'outbox', purpose: 'marketing', message: { body: 'Hello {{traits.name}}' }, next: '' };
    case 'WAIT_FOR_EVENT':
      return { type, event: 'order_completed', timeout: 'P3D', onEvent: '', onTimeout: '' };
    case 'ACTION':
      return { type, action: 'SET_TAG', params: { tag: 'journey_touched' }, next: '' };
    case 'EXIT':
      return { type };
  }
}

/** Adds a node under a fresh id (`wait2`, …); the caller connects it. */
export function addNode(journey: JourneyDoc, type: (typeof NODE_TYPES)[number]): { journey: JourneyDoc; id: string } {
  const base = type.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  let n = 1;
  while (journey.nodes[`${base}${n}`]) n++;
  const id = `${base}${n}`;
  return { journey: { ...journey, nodes: { ...journey.nodes, [id]: newNode(type) } }, id };
}

/** Removes a node; ports that pointed at it are left empty, so the validator names each one. */
export function removeNode(journey: JourneyDoc, id: string): JourneyDoc {
  const nodes: Record<string, JourneyNode> = {};
  for (const [nodeId, node] of Object.entries(journey.nodes)) {
    if (nodeId === id) continue;
    let doc: JourneyDoc = { ...journey, nodes: { [nodeId]: node } };
    for (const p of portsOf(node)) if (p.target === id) doc = connect(doc, nodeId, p.port, '');
    nodes[nodeId] = doc.nodes[nodeId]!;
  }
  return { ...journey, nodes, start: journey.start === id ? '' : journey.start };
}

/** Columns by distance from `start` (breadth first), rows in discovery order; unreachable nodes in a last column. */
export function layout(journey: JourneyDoc, columnWidth = 240, rowHeight = 130): Map<string, { x: number; y: number }> {
  const depth = new Map<string, number>();
  const queue = journey.nodes[journey.start] ? [journey.start] : [];
  if (queue.length) depth.set(journey.start, 0);
  while (queue.length) {
    const id = queue.shift()!;
    for (const p of portsOf(journey.nodes[id]!)) {
      if (p.target && journey.nodes[p.target] && !depth.has(p.target)) {
        depth.set(p.target, depth.get(id)! + 1);
        queue.push(p.target);
      }
    }
  }
  const last = Math.max(-1, ...depth.values()) + 1;
  for (const id of Object.keys(journey.nodes)) if (!depth.has(id)) depth.set(id, last);
  const rows = new Map<number, number>();
  const out = new Map<string, { x: number; y: number }>();
  for (const [id, d] of depth) {
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    out.set(id, { x: d * columnWidth, y: row * rowHeight });
  }
  return out;
}

/** Problems grouped by the node their path names (`nodes.<id>…`); others under ''. */
export function problemsByNode(problems: readonly Problem[]): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const p of problems) {
    const id = /^nodes\.([^.]+)/.exec(p.path)?.[1] ?? '';
    out.set(id, [...(out.get(id) ?? []), p]);
  }
  return out;
}
