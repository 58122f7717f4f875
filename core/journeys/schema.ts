import * as z from 'zod';
import { isoTimestamp } from '../events/schema.js';
import { parseDuration } from './duration.js';

/**
 * The journey document of the strategy engine contract (docs/architecture.md, "Contracts"), as one zod schema.
 * Every object is strict: an unknown field is a problem to report (a typo such as `nxet` would otherwise silently
 * end a journey). Graph rules (dangling targets, reachability, cycles, percentages) live in `validate.ts`; the
 * schema carries only what a single field can say on its own.
 */

/** Delivery channels. `email` and `sms` write only to the outbox unless the stage has their sender (core/journeyEngine/messagingSettings.ts). */
export const CHANNELS = ['outbox', 'webhook', 'email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Why a message is sent: marketing needs consent; transactional does not. */
export const PURPOSES = ['marketing', 'transactional'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Most branches of a MULTI (besides `else`) or of a RANDOM split, as in Pinpoint. */
export const MAX_BRANCHES = 5;
/** Most nodes in one journey. */
export const MAX_NODES = 200;

/** Node ids: no `:` (it separates the parts of idempotency keys) and short enough for keys and paths. */
export const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const EVENT_NAME = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Carries a stable problem code through zod so the validator can report it as such. */
const problem = (code: string) => ({ params: { problem: code } });

const nodeId = z.string().regex(NODE_ID, 'node ids start with a letter and hold letters, digits, _ or - (at most 64)');
const eventName = z.string().max(64).regex(EVENT_NAME, 'event names are snake_case, for example order_completed');
const name = z.string().min(1).max(128);
/** An ISO 8601 duration; a bad one is reported as `BAD_DURATION`. */
export const durationSchema = z.string().refine((s) => parseDuration(s).ok, {
  ...problem('BAD_DURATION'),
  error: (issue) => {
    const r = typeof issue.input === 'string' ? parseDuration(issue.input) : null;
    return r && !r.ok ? r.error : 'expected an ISO 8601 duration such as P3D';
  },
});
/** Rule-language source; parsed and checked by the validator (`BAD_CONDITION`). */
const condition = z.string().min(1).max(4096);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time HH:MM, for example 21:00');

export const triggerSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('EVENT'), event: eventName, condition: condition.optional() }),
  z.strictObject({ kind: z.literal('SEGMENT_ENTERED'), segment: name }),
  z.strictObject({ kind: z.literal('SEGMENT_EXITED'), segment: name }),
  z.strictObject({ kind: z.literal('TAG_ADDED'), tag: name }),
  z.strictObject({ kind: z.literal('SCHEDULE'), every: durationSchema, segment: name }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const reentrySchema = z.strictObject({
  mode: z.enum(['ONCE', 'AFTER_EXIT', 'ALWAYS']),
  /** Least time between two enrollments of one user (AFTER_EXIT and ALWAYS). */
  minIntervalHours: z.number().finite().nonnegative().optional(),
});
export type Reentry = z.infer<typeof reentrySchema>;

const waitNode = z.strictObject({
  type: z.literal('WAIT'),
  duration: durationSchema.optional(),
  /** An absolute ISO time to wait until instead of a duration. */
  until: isoTimestamp.optional(),
  next: nodeId,
});
const conditionNode = z.strictObject({ type: z.literal('CONDITION'), condition, yes: nodeId, no: nodeId });
const multiNode = z.strictObject({
  type: z.literal('MULTI'),
  branches: z.array(z.strictObject({ condition, next: nodeId })).min(1).max(MAX_BRANCHES),
  else: nodeId,
});
const randomNode = z.strictObject({
  type: z.literal('RANDOM'),
  branches: z.array(z.strictObject({ percent: z.number().finite().min(0).max(100), next: nodeId })).min(2).max(MAX_BRANCHES),
  /** `THOMPSON`: the engine may move traffic to better arms (Thompson sampling); `percent` is the starting split. */
  allocation: z.enum(['FIXED', 'THOMPSON']).optional(),
});
const holdoutNode = z.strictObject({ type: z.literal('HOLDOUT'), percent: z.number().finite().gt(0).lt(100), next: nodeId });
export const messageSchema = z.strictObject({
  subject: z.string().max(998).optional(),
  body: z.string().min(1).max(10_000),
});
const sendNode = z.strictObject({
  type: z.literal('SEND'),
  channel: z.enum(CHANNELS),
  purpose: z.enum(PURPOSES),
  message: messageSchema,
  next: nodeId,
});
const waitForEventNode = z.strictObject({
  type: z.literal('WAIT_FOR_EVENT'),
  event: eventName,
  /** May read `event.*` (the awaited event) as well as the profile. */
  condition: condition.optional(),
  timeout: durationSchema,
  onEvent: nodeId,
  onTimeout: nodeId,
});

const traitValue = z.union([z.string().max(1024), z.number().finite(), z.boolean(), z.null()]);
/** Per-action parameters. Unknown parameters are problems too. */
const actionNode = z.discriminatedUnion('action', [
  z.strictObject({
    type: z.literal('ACTION'),
    action: z.literal('ISSUE_COUPON'),
    params: z.strictObject({
      value: z.number().finite().positive(),
      /** `AMOUNT` (default, in the shop's currency) or `PERCENT` off. */
      unit: z.enum(['AMOUNT', 'PERCENT']).optional(),
      validDays: z.number().int().positive().max(366).optional(),
      /** Prefix of the generated code, for example `WINBACK`. */
      prefix: z.string().regex(/^[A-Z0-9]{1,12}$/).optional(),
      /** Issue even to users tagged `coupon_abuser` (default false). */
      allowAbusers: z.boolean().optional(),
    }),
    next: nodeId,
  }),
  z.strictObject({ type: z.literal('ACTION'), action: z.literal('SET_TAG'), params: z.strictObject({ tag: name }), next: nodeId }),
  z.strictObject({ type: z.literal('ACTION'), action: z.literal('REMOVE_TAG'), params: z.strictObject({ tag: name }), next: nodeId }),
  z.strictObject({
    type: z.literal('ACTION'),
    action: z.literal('SET_TRAIT'),
    params: z.strictObject({ name, value: traitValue }),
    next: nodeId,
  }),
  z.strictObject({
    type: z.literal('ACTION'),
    action: z.literal('WEBHOOK'),
    params: z.strictObject({
      url: z.url({ protocol: /^https?$/ }),
      body: z.record(z.string(), z.unknown()).optional(),
    }),
    next: nodeId,
  }),
]);
const exitNode = z.strictObject({ type: z.literal('EXIT') });

export const nodeSchema = z.discriminatedUnion('type', [
  waitNode,
  conditionNode,
  multiNode,
  randomNode,
  holdoutNode,
  sendNode,
  waitForEventNode,
  actionNode,
  exitNode,
]);

export const limitsSchema = z.strictObject({
  perUserPerDay: z.number().int().nonnegative().optional(),
  perUserPerWeek: z.number().int().nonnegative().optional(),
  /** Local times in the user's time zone; `start` after `end` spans midnight (21:00–08:00). */
  quietHours: z.strictObject({ start: hhmm, end: hhmm }).optional(),
});
export type Limits = z.infer<typeof limitsSchema>;

/** A journey document. `reentry` defaults to `{ mode: "ONCE" }`. */
export const journeySchema = z.strictObject({
  trigger: triggerSchema,
  /** A rule expression over the profile, checked at entry and before every send. */
  audience: condition.optional(),
  reentry: reentrySchema.optional(),
  start: nodeId,
  nodes: z.record(nodeId, nodeSchema),
  /** Events that end an enrollment wherever it is. */
  exitOn: z.array(eventName).max(20).optional(),
  goal: z.strictObject({ event: eventName, withinDays: z.number().positive().max(366) }).optional(),
  limits: limitsSchema.optional(),
});

export type Journey = z.infer<typeof journeySchema>;
export type JourneyNode = z.infer<typeof nodeSchema>;
export type NodeType = JourneyNode['type'];
export type ActionNode = Extract<JourneyNode, { type: 'ACTION' }>;
export type ActionKind = ActionNode['action'];
export type SendNode = Extract<JourneyNode, { type: 'SEND' }>;
export type Message = z.infer<typeof messageSchema>;
