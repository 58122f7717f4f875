/**
 * The edges of a journey graph, read leniently from a document that may not pass the schema: the validator reports
 * dangling targets, unreachable nodes and cycles even when some other field is wrong, so one typo does not hide
 * the rest.
 */

/** One outgoing edge: the target node id and the document path of the field naming it. */
export interface Edge {
  target: string;
  path: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Nodes that hold an enrollment until time passes or an event arrives: every cycle must pass through one. */
export const WAITING_TYPES: ReadonlySet<string> = new Set(['WAIT', 'WAIT_FOR_EVENT']);

/**
 * The outgoing edges of one (possibly malformed) node, in document order. Fields that are not strings are skipped;
 * the schema reports them.
 *
 * @example
 * edgesOf('check', { type: 'CONDITION', yes: 'a', no: 'b' }) // [{ target: 'a', path: 'nodes.check.yes' }, ...]
 */
export function edgesOf(id: string, node: unknown): Edge[] {
  if (!isRecord(node)) return [];
  const base = `nodes.${id}`;
  const edges: Edge[] = [];
  const add = (value: unknown, path: string) => {
    if (typeof value === 'string') edges.push({ target: value, path });
  };
  for (const field of ['next', 'yes', 'no', 'onEvent', 'onTimeout']) add(node[field], `${base}.${field}`);
  if (Array.isArray(node.branches)) {
    node.branches.forEach((b, i) => {
      if (isRecord(b)) add(b.next, `${base}.branches.${i}.next`);
    });
  }
  add(node.else, `${base}.else`);
  return edges;
}

/**
 * Strongly connected components (Tarjan) of the graph restricted to `include`d nodes, keeping only those that form
 * a cycle (two or more nodes, or a self-loop). Iterative, so a long chain cannot overflow the stack.
 */
export function cycles(ids: readonly string[], successors: (id: string) => readonly string[], include: (id: string) => boolean): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (!include(root) || index.has(root)) continue;
    const work: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const succ = successors(frame.id).filter(include);
      if (frame.next < succ.length) {
        const w = succ[frame.next++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ id: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.id, Math.min(low.get(frame.id)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.id);
        if (component.length > 1 || succ.includes(frame.id)) found.push(component.reverse());
      }
    }
  }
  return found;
}
