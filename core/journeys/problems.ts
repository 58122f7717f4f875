/**
 * Problems the validator reports, with stable codes: the campaigns subgraph returns them as `JourneyProblem`
 * and the console keys its messages off `code`, so codes are never renamed.
 */
export const PROBLEM_CODES = [
  /** A field has the wrong type or shape, is missing, or is not part of the document (unknown fields). */
  'SCHEMA',
  /** `start`, `next`, `yes`, `no`, `else`, `onEvent`, `onTimeout` or a branch's `next` names no node. */
  'DANGLING_NEXT',
  /** No path from `start` leads to the node. */
  'UNREACHABLE_NODE',
  /** A cycle with no WAIT or WAIT_FOR_EVENT on it would spin forever within one event. */
  'CYCLE_WITHOUT_WAIT',
  /** A MULTI without its `else` target. */
  'MISSING_ELSE',
  /** RANDOM branch percentages do not sum to 100. */
  'PERCENT_SUM',
  /** More than five branches in a MULTI (besides `else`) or a RANDOM. */
  'TOO_MANY_BRANCHES',
  /** A SEND channel other than outbox, webhook, email or sms. */
  'UNKNOWN_CHANNEL',
  /** Not a positive ISO 8601 duration (`P3D`, `PT1H`), or too long. */
  'BAD_DURATION',
  /** A WAIT `until` that is not an ISO 8601 time with a zone. */
  'BAD_TIME',
  /** A condition that does not parse or check in the rule language (including `event` outside event scope). */
  'BAD_CONDITION',
  /** A message placeholder journeys cannot fill. */
  'UNKNOWN_PLACEHOLDER',
  /** Unbalanced `{{` / `}}` in a message. */
  'BAD_TEMPLATE',
  /** A WAIT_FOR_EVENT awaits an event that `exitOn` also names: the exit always wins, so `onEvent` never runs. */
  'EVENT_SHADOWED',
] as const;

export type JourneyProblemCode = (typeof PROBLEM_CODES)[number];

/** One problem: where in the document (dotted path, `nodes.check.yes`), a stable code, and a readable message. */
export interface JourneyProblem {
  path: string;
  code: JourneyProblemCode;
  message: string;
}
