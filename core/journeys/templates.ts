import * as z from 'zod';
import { JourneyTemplateError } from './errors.js';
import { CHANNELS, type Journey } from './schema.js';
import { validateJourney } from './validate.js';

/**
 * The five starter journeys of the contract, built from the seeds' flows. Each is a function of a few parameters
 * (with defaults) so operators tune values, not graphs; the unit tests check every one passes `validateJourney`.
 */

const channel = z.enum(CHANNELS).default('outbox');
const money = (d: number) => z.number().finite().positive().max(100_000).default(d);
const quiet = z
  .strictObject({ start: z.string(), end: z.string() })
  .nullable()
  .default({ start: '21:00', end: '08:00' })
  .describe('quiet hours in the user time zone, or null for none');

const NEGATIVE = 'tags.negative_feedback or count("$negative_message", 30) > 0';
const NO_ORDER_SINCE_CART = 'last("order_completed") == null or last("order_completed") < last("product_added_to_cart")';
const limits = (q: { start: string; end: string } | null, perUserPerDay = 2) => ({ perUserPerDay, ...(q ? { quietHours: q } : {}) });

const paymentFailedParams = z.strictObject({
  channel,
  graceHours: z.number().int().min(1).max(72).default(1).describe('hours to let the customer retry the payment before acting'),
  minLogins30d: z.number().int().min(0).default(3).describe('logins in the last 30 days that make a customer engaged'),
  highAov: money(200).describe('average order value that makes a customer valuable'),
  couponValue: money(20).describe('coupon for customers who are not both engaged and valuable'),
  agentWebhookUrl: z.url({ protocol: /^https?$/ }).default('https://hooks.example.com/service-agent').describe('service desk webhook'),
  quietHours: quiet,
});

const newUserParams = z
  .strictObject({
    channel,
    tag: z.string().min(1).default('new_user').describe('tag whose arrival enrolls the user'),
    couponDay: z.number().int().min(1).max(30).default(3),
    reviewDay: z.number().int().min(2).max(60).default(7),
    couponValue: money(10),
    quietHours: quiet,
  })
  .refine((p) => p.reviewDay > p.couponDay, { message: 'reviewDay must come after couponDay', path: ['reviewDay'] });

const dormantParams = z.strictObject({
  channel,
  // `dormant` is a starter tag rule (no activity for 90 days), so its arrival is the trigger.
  tag: z.string().min(1).default('dormant').describe('tag whose arrival enrolls the user'),
  audience: z.string().min(1).default('tags.high_value').describe('who qualifies, as a rule expression'),
  holdoutPercent: z.number().gt(0).lt(100).default(10),
  couponValue: money(30),
  waitDays: z.number().int().min(1).max(60).default(7).describe('days to wait for an order after the coupon'),
  quietHours: quiet,
});

const cartParams = z.strictObject({
  channel,
  delayHours: z.number().int().min(1).max(168).default(24).describe('hours after add-to-cart with no order'),
  couponValue: money(10),
  validDays: z.number().int().min(1).max(30).default(3).describe('coupon validity, and the goal window'),
  quietHours: quiet,
});

const reviewParams = z.strictObject({
  channel,
  delayDays: z.number().int().min(1).max(60).default(5).describe('days after the order to ask for a review'),
  minRevenue: z.number().finite().min(0).default(0).describe('only orders of at least this revenue'),
  quietHours: quiet,
});

function paymentFailedRetention(p: z.infer<typeof paymentFailedParams>): Journey {
  return {
    trigger: { kind: 'EVENT', event: 'payment_failed' },
    reentry: { mode: 'AFTER_EXIT', minIntervalHours: 72 },
    start: 'notify',
    nodes: {
      notify: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'transactional',
        message: { subject: 'Your payment did not go through', body: 'Hi {{traits.name|there}}, your payment failed. You can retry it from your orders page.' },
        next: 'grace',
      },
      grace: { type: 'WAIT', duration: `PT${p.graceHours}H`, next: 'history' },
      // History: engaged (30-day logins) and valuable (average order value)?
      history: {
        type: 'CONDITION',
        condition: `count("login", 30) >= ${p.minLogins30d} and stats.averageOrderValue >= ${p.highAov}`,
        yes: 'sentiment',
        no: 'coupon',
      },
      // Sentiment of their service messages: unhappy valuable customers get a person, happy ones an upgrade.
      sentiment: { type: 'CONDITION', condition: NEGATIVE, yes: 'agent_tag', no: 'upgrade_trait' },
      agent_tag: { type: 'ACTION', action: 'SET_TAG', params: { tag: 'service_agent' }, next: 'agent_hook' },
      agent_hook: {
        type: 'ACTION',
        action: 'WEBHOOK',
        params: { url: p.agentWebhookUrl, body: { reason: 'payment_failed', priority: 'high' } },
        next: 'agent_msg',
      },
      agent_msg: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'transactional',
        message: { subject: 'A dedicated agent will help you', body: 'Hi {{traits.name|there}}, a dedicated service agent will contact you shortly about your payment.' },
        next: 'end',
      },
      upgrade_trait: { type: 'ACTION', action: 'SET_TRAIT', params: { name: 'membership_offer', value: 'upgrade' }, next: 'upgrade_msg' },
      upgrade_msg: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'marketing',
        message: { subject: 'An upgrade for a loyal customer', body: 'Hi {{traits.name|there}}, thank you for {{stats.orders}} orders. Upgrade your membership for free payment retries and priority support.' },
        next: 'end',
      },
      coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: p.couponValue, prefix: 'RETRY' }, next: 'coupon_msg' },
      coupon_msg: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'marketing',
        message: { subject: 'A little something for your next try', body: 'Hi {{traits.name|there}}, use {{coupon.code}} for your next order.' },
        next: 'end',
      },
      end: { type: 'EXIT' },
    },
    exitOn: ['order_completed'],
    goal: { event: 'order_completed', withinDays: 7 },
    limits: limits(p.quietHours, 3),
  };
}

function newUserNurture(p: z.infer<typeof newUserParams>): Journey {
  return {
    trigger: { kind: 'TAG_ADDED', tag: p.tag },
    reentry: { mode: 'ONCE' },
    start: 'welcome',
    nodes: {
      welcome: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'marketing',
        message: { subject: 'Welcome!', body: 'Hi {{traits.name|there}}, welcome aboard. Here is how to get started.' },
        next: 'wait_coupon',
      },
      wait_coupon: { type: 'WAIT', duration: `P${p.couponDay}D`, next: 'ordered' },
      ordered: { type: 'CONDITION', condition: 'stats.orders > 0', yes: 'wait_review', no: 'coupon' },
      coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: p.couponValue, prefix: 'WELCOME' }, next: 'coupon_msg' },
      coupon_msg: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'marketing',
        message: { subject: 'A gift for your first order', body: 'Hi {{traits.name|there}}, use {{coupon.code}} on your first order.' },
        next: 'wait_review',
      },
      wait_review: { type: 'WAIT', duration: `P${p.reviewDay - p.couponDay}D`, next: 'review' },
      review: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'marketing',
        message: { subject: 'How is it going?', body: 'Hi {{traits.name|there}}, you have been with us a week. Tell us what you think in a short review.' },
        next: 'end',
      },
      end: { type: 'EXIT' },
    },
    goal: { event: 'order_completed', withinDays: p.reviewDay },
    limits: limits(p.quietHours),
  };
}

function dormantWinback(p: z.infer<typeof dormantParams>): Journey {
  return {
    trigger: { kind: 'TAG_ADDED', tag: p.tag },
    audience: p.audience,
    reentry: { mode: 'AFTER_EXIT', minIntervalHours: 30 * 24 },
    start: 'holdout',
    nodes: {
      holdout: { type: 'HOLDOUT', percent: p.holdoutPercent, next: 'coupon' },
      coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: p.couponValue, prefix: 'WINBACK', validDays: p.waitDays }, next: 'offer' },
      offer: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'marketing',
        message: { subject: 'We miss you', body: 'Hi {{traits.name|there}}, it has been a while. Here is {{coupon.code}} for your next order, valid for a week.' },
        next: 'await_order',
      },
      await_order: { type: 'WAIT_FOR_EVENT', event: 'order_completed', timeout: `P${p.waitDays}D`, onEvent: 'won_back', onTimeout: 'not_back' },
      won_back: { type: 'EXIT' },
      not_back: { type: 'EXIT' },
    },
    goal: { event: 'order_completed', withinDays: p.waitDays },
    limits: limits(p.quietHours),
  };
}

function cartAbandonCoupon(p: z.infer<typeof cartParams>): Journey {
  return {
    trigger: { kind: 'EVENT', event: 'product_added_to_cart' },
    reentry: { mode: 'AFTER_EXIT', minIntervalHours: 72 },
    start: 'wait',
    nodes: {
      wait: { type: 'WAIT', duration: `PT${p.delayHours}H`, next: 'still_open' },
      still_open: { type: 'CONDITION', condition: NO_ORDER_SINCE_CART, yes: 'coupon', no: 'end' },
      coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: p.couponValue, prefix: 'CART', validDays: p.validDays }, next: 'reminder' },
      reminder: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'marketing',
        message: { subject: 'You left something in your cart', body: 'Hi {{traits.name|there}}, your cart is waiting. Use {{coupon.code}} to check out.' },
        next: 'end',
      },
      end: { type: 'EXIT' },
    },
    exitOn: ['order_completed'],
    goal: { event: 'order_completed', withinDays: p.validDays },
    limits: limits(p.quietHours),
  };
}

function postPurchaseReview(p: z.infer<typeof reviewParams>): Journey {
  return {
    trigger: { kind: 'EVENT', event: 'order_completed', ...(p.minRevenue > 0 ? { condition: `event.properties.revenue >= ${p.minRevenue}` } : {}) },
    reentry: { mode: 'ALWAYS', minIntervalHours: 7 * 24 },
    start: 'wait',
    nodes: {
      wait: { type: 'WAIT', duration: `P${p.delayDays}D`, next: 'kept' },
      kept: { type: 'CONDITION', condition: 'last("order_refunded") == null or last("order_refunded") < last("order_completed")', yes: 'ask', no: 'end' },
      ask: {
        type: 'SEND',
        channel: p.channel,
        purpose: 'marketing',
        message: { subject: 'How was your order?', body: 'Hi {{traits.name|there}}, how do you like your purchase? A short review helps other shoppers.' },
        next: 'end',
      },
      end: { type: 'EXIT' },
    },
    exitOn: ['order_refunded'],
    limits: limits(p.quietHours),
  };
}

interface TemplateDefinition<S extends z.ZodType> {
  id: string;
  name: string;
  description: string;
  params: S;
  build: (params: z.infer<S>) => Journey;
}

const define = <S extends z.ZodType>(t: TemplateDefinition<S>) => t as unknown as TemplateDefinition<z.ZodType>;

const TEMPLATES = [
  define({
    id: 'payment_failed_retention',
    name: 'Payment failed: retention',
    description:
      'Payment failed → 30-day logins and average order value → sentiment of service messages → a coupon, a dedicated service agent, or a membership upgrade.',
    params: paymentFailedParams,
    build: paymentFailedRetention,
  }),
  define({
    id: 'new_user_nurture',
    name: 'New user nurture',
    description: 'Welcome on day 0, a coupon on day 3 if no order yet, a review request on day 7.',
    params: newUserParams,
    build: newUserNurture,
  }),
  define({
    id: 'dormant_winback',
    name: 'Dormant win-back',
    description: 'A high-value customer gets the dormant tag → a coupon, with a 10% holdout → wait 7 days for an order.',
    params: dormantParams,
    build: dormantWinback,
  }),
  define({
    id: 'cart_abandon_coupon',
    name: 'Cart abandonment coupon',
    description: 'Added to cart, no order within a day → a coupon valid for 3 days.',
    params: cartParams,
    build: cartAbandonCoupon,
  }),
  define({
    id: 'post_purchase_review',
    name: 'Post-purchase review',
    description: 'Some days after an order that was not refunded → a review request.',
    params: reviewParams,
    build: postPurchaseReview,
  }),
];

/** The template ids of the contract. */
export const TEMPLATE_IDS = TEMPLATES.map((t) => t.id);

/** A template as `campaignTemplates` lists it: the default journey shows what instantiating it without params gives. */
export interface JourneyTemplate {
  id: string;
  name: string;
  description: string;
  /** Parameter defaults; any may be overridden. */
  defaults: Record<string, unknown>;
  journey: Journey;
}

/**
 * Every template with its defaults and default journey.
 *
 * @example
 * listTemplates().map((t) => t.id) // ['payment_failed_retention', 'new_user_nurture', ...]
 */
export function listTemplates(): JourneyTemplate[] {
  return TEMPLATES.map((t) => {
    const defaults = t.params.parse({}) as Record<string, unknown>;
    return { id: t.id, name: t.name, description: t.description, defaults, journey: t.build(defaults) };
  });
}

/**
 * The journey of one template with `params` over its defaults, validated. Unknown templates, bad or unknown
 * parameters, and parameters that make an invalid journey (a bad `audience` expression) throw {@link JourneyTemplateError}.
 *
 * @example
 * instantiateTemplate('dormant_winback', { holdoutPercent: 20, couponValue: 50 }).nodes.holdout // { type: 'HOLDOUT', percent: 20, ... }
 */
export function instantiateTemplate(id: string, params: Record<string, unknown> = {}): Journey {
  const template = TEMPLATES.find((t) => t.id === id);
  if (!template) throw new JourneyTemplateError('UNKNOWN_TEMPLATE', `No template '${id}'; templates: ${TEMPLATE_IDS.join(', ')}`);
  const parsed = template.params.safeParse(params);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((k) => ({ path: `params.${k}`, message: `Unknown parameter '${k}'` }))
        : [{ path: ['params', ...i.path.map(String)].join('.'), message: i.message }],
    );
    throw new JourneyTemplateError('BAD_TEMPLATE_PARAMS', `Bad parameters for template '${id}'`, problems);
  }
  // Parameters such as `audience` or `quietHours` are checked where they land, by the journey validator.
  const journey = template.build(parsed.data);
  const problems = validateJourney(journey);
  if (problems.length > 0) {
    throw new JourneyTemplateError('BAD_TEMPLATE_PARAMS', `Template '${id}' with these parameters is not a valid journey`, problems);
  }
  return journey;
}
