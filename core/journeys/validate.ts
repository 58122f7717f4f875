import type * as z from 'zod';
import { checkCondition, type ConditionScope } from './conditions.js';
import { cycles, edgesOf, WAITING_TYPES } from './graph.js';
import { PROBLEM_CODES, type JourneyProblem, type JourneyProblemCode } from './problems.js';
import { journeySchema, MAX_BRANCHES, MAX_NODES, type Journey } from './schema.js';
import { checkTemplate } from './templating.js';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const CODES: ReadonlySet<string> = new Set(PROBLEM_CODES);

/** The raw value at a zod path, to tell a missing field from a wrong one. */
function at(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v = doc;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const dotted = (path: readonly PropertyKey[]) => path.map(String).join('.');

/** Maps one zod issue to problems with the most specific stable code. */
function fromIssue(doc: unknown, issue: z.core.$ZodIssue): JourneyProblem[] {
  const path = dotted(issue.path);
  const last = issue.path[issue.path.length - 1];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: path ? `${path}.${key}` : key, code: 'SCHEMA', message: `Unknown field '${key}'` }));
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues.map((i) => i.message).join('; ');
    return [{ path, code: 'SCHEMA', message: `Invalid node id '${String(last)}': ${inner}` }];
  }
  let code: JourneyProblemCode = 'SCHEMA';
  const carried = issue.code === 'custom' ? (issue.params as { problem?: unknown } | undefined)?.problem : undefined;
  if (typeof carried === 'string' && CODES.has(carried)) code = carried as JourneyProblemCode;
  else if (last === 'channel' && issue.code === 'invalid_value') code = 'UNKNOWN_CHANNEL';
  else if (last === 'branches' && issue.code === 'too_big') code = 'TOO_MANY_BRANCHES';
  else if (last === 'else' && at(doc, issue.path) === undefined) code = 'MISSING_ELSE';
  else if (last === 'until') code = 'BAD_TIME';
  const message =
    code === 'MISSING_ELSE'
      ? 'A MULTI needs an else target for profiles no branch matches'
      : code === 'TOO_MANY_BRANCHES'
        ? `At most ${MAX_BRANCHES} branches${String(at(doc, [...issue.path.slice(0, -1), 'type'])) === 'MULTI' ? ' besides else' : ''}`
        : issue.message;
  return [{ path, code, message }];
}

/** Graph and content checks, on the raw document so they run even where the schema failed. */
function semanticProblems(doc: Record<string, unknown>): JourneyProblem[] {
  const problems: JourneyProblem[] = [];
  const add = (path: string, code: JourneyProblemCode, message: string) => problems.push({ path, code, message });
  const nodes = isRecord(doc.nodes) ? doc.nodes : {};
  const ids = Object.keys(nodes);
  const has = (id: string) => Object.hasOwn(nodes, id);
  if (ids.length > MAX_NODES) add('nodes', 'SCHEMA', `A journey has at most ${MAX_NODES} nodes (this one has ${ids.length})`);

  // Conditions, each in its scope (`event` only in triggers and WAIT_FOR_EVENT).
  const condition = (value: unknown, path: string, scope: ConditionScope) => {
    if (typeof value !== 'string' || value.length === 0) return;
    const error = checkCondition(value, scope);
    if (error) add(path, 'BAD_CONDITION', error);
  };
  if (isRecord(doc.trigger)) condition(doc.trigger.condition, 'trigger.condition', 'event');
  condition(doc.audience, 'audience', 'profile');

  // Targets.
  const successors = new Map<string, string[]>();
  if (typeof doc.start === 'string' && !has(doc.start)) add('start', 'DANGLING_NEXT', `start names no node: '${doc.start}'`);
  for (const id of ids) {
    const edges = edgesOf(id, nodes[id]);
    successors.set(id, edges.filter((e) => has(e.target)).map((e) => e.target));
    for (const e of edges) if (!has(e.target)) add(e.path, 'DANGLING_NEXT', `'${e.target}' is not a node of this journey`);
  }

  // Reachability from start.
  if (typeof doc.start === 'string' && has(doc.start)) {
    const seen = new Set<string>([doc.start]);
    const queue = [doc.start];
    while (queue.length > 0) {
      for (const t of successors.get(queue.shift()!) ?? []) {
        if (!seen.has(t)) {
          seen.add(t);
          queue.push(t);
        }
      }
    }
    for (const id of ids) if (!seen.has(id)) add(`nodes.${id}`, 'UNREACHABLE_NODE', `No path from start '${doc.start}' reaches '${id}'`);
  }

  // Cycles through immediate nodes only.
  const typeOf = (id: string) => (isRecord(nodes[id]) ? nodes[id].type : undefined);
  const immediate = (id: string) => !WAITING_TYPES.has(String(typeOf(id)));
  for (const cycle of cycles(ids, (id) => successors.get(id) ?? [], immediate)) {
    const first = ids.find((id) => cycle.includes(id))!;
    add(`nodes.${first}`, 'CYCLE_WITHOUT_WAIT', `The cycle ${[...cycle, cycle[0]].join(' → ')} has no WAIT or WAIT_FOR_EVENT on it`);
  }

  const exitOn = new Set(Array.isArray(doc.exitOn) ? doc.exitOn.filter((e) => typeof e === 'string') : []);
  for (const id of ids) {
    const node = nodes[id];
    if (!isRecord(node)) continue;
    const base = `nodes.${id}`;
    switch (node.type) {
      case 'WAIT': {
        const n = Number(node.duration !== undefined) + Number(node.until !== undefined);
        if (n !== 1) add(base, 'SCHEMA', 'A WAIT needs exactly one of duration or until');
        break;
      }
      case 'CONDITION':
        condition(node.condition, `${base}.condition`, 'profile');
        break;
      case 'MULTI':
        if (Array.isArray(node.branches)) {
          node.branches.forEach((b, i) => isRecord(b) && condition(b.condition, `${base}.branches.${i}.condition`, 'profile'));
        }
        break;
      case 'RANDOM':
        if (Array.isArray(node.branches)) {
          const percents = node.branches.map((b) => (isRecord(b) ? b.percent : undefined));
          if (percents.every((p) => typeof p === 'number' && Number.isFinite(p))) {
            const sum = (percents as number[]).reduce((a, b) => a + b, 0);
            if (Math.abs(sum - 100) > 1e-9) add(`${base}.branches`, 'PERCENT_SUM', `Branch percentages sum to ${sum}, not 100`);
          }
        }
        break;
      case 'WAIT_FOR_EVENT':
        condition(node.condition, `${base}.condition`, 'event');
        if (typeof node.event === 'string' && exitOn.has(node.event)) {
          add(`${base}.event`, 'EVENT_SHADOWED', `exitOn also names '${node.event}': the enrollment exits before onEvent can run`);
        }
        break;
      case 'SEND':
        if (isRecord(node.message)) {
          for (const field of ['subject', 'body'] as const) {
            const text = node.message[field];
            if (typeof text !== 'string') continue;
            for (const p of checkTemplate(text)) add(`${base}.message.${field}`, p.code, p.message);
          }
        }
        break;
    }
  }
  return problems;
}

/**
 * Every problem in a journey document, each with its path, a stable code and a message — not just the first — so
 * an operator fixes a journey in one round. An empty list means the document is a valid {@link Journey}.
 *
 * @example
 * validateJourney({ trigger: { kind: 'EVENT', event: 'login' }, start: 'a', nodes: { a: { type: 'EXIT' }, b: { type: 'EXIT' } } })
 * // [{ path: 'nodes.b', code: 'UNREACHABLE_NODE', message: "No path from start 'a' reaches 'b'" }]
 */
export function validateJourney(doc: unknown): JourneyProblem[] {
  if (!isRecord(doc)) return [{ path: '', code: 'SCHEMA', message: 'A journey is a JSON object' }];
  const parsed = journeySchema.safeParse(doc);
  const problems: JourneyProblem[] = [];
  const seen = new Set<string>();
  // One schema problem per path and code (a bad `until` fails both its pattern and its date check).
  for (const p of parsed.success ? [] : parsed.error.issues.flatMap((i) => fromIssue(doc, i))) {
    const key = `${p.path}\u0000${p.code}`;
    if (!seen.has(key)) problems.push(p);
    seen.add(key);
  }
  return [...problems, ...semanticProblems(doc)];
}

/**
 * Validates and returns the typed journey, for callers (save, instantiate, run) that need one or the problems.
 *
 * @example
 * const r = parseJourney(input.journey);
 * if (!r.ok) throw new GraphQLError('invalid journey', { extensions: { code: 'BAD_JOURNEY', problems: r.problems } });
 */
export function parseJourney(doc: unknown): { ok: true; journey: Journey } | { ok: false; problems: JourneyProblem[] } {
  const problems = validateJourney(doc);
  return problems.length === 0 ? { ok: true, journey: journeySchema.parse(doc) } : { ok: false, problems };
}
