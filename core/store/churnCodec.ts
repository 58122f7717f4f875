import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * How a churn score's reasons are stored in the profile item. They are three sentences of ~90 bytes
 * (`core/churn/reasons.ts`), and the item carries them on every write: the tagger's UpdateItem is billed by the
 * whole item, churn included. Kept as `rz`, their JSON compressed with raw DEFLATE and a preset dictionary of the
 * sentences' fixed words, three typical reasons take 35 bytes instead of 246. The score's other fields stay plain, so the
 * scorer's conditional write can still compare them (`core/store/churnScores.ts`). Items written before hold
 * `reasons` as a list of strings; those still decode.
 *
 * Reading a profile does not inflate them (`core/store/profiles.ts` decodes on first use, ~8 µs): the tagger and
 * the scorer read every profile they touch and never look at the reasons; only the GraphQL `churn` field does.
 */
export const REASONS_ATTR = 'rz';

/**
 * The preset dictionary of `rz`, version 1: the fixed words of the reason sentences, the most frequent last.
 * Inflating needs the very same bytes, so this string never changes, even when the sentences do (a new
 * dictionary needs a new attribute name, with this one still decoded).
 */
const REASONS_DICTIONARY_V1 = Buffer.from(
  'Customer for  days"No refunds on any orderRefunds on % of orders (% of spend)Spent k in total ( per order)' +
    '" purchase days in the last 90 days against  in the 90 before"No purchase for  days since the first and only order' +
    'Last purchase  days ago, within the typical gap of  days"Chance of no purchase in the next 90 days from purchase pattern is %' +
    '"Probability still active from purchase pattern is % (no purchase in the next 90 days: %)' +
    ' orders in total,  purchase day in the last 90 days"No purchase for  days, longer than the typical gap of  days' +
    ' — lowers risk"," — raises risk","',
  'utf8',
);

/** Reasons as the item stores them. */
export function encodeReasons(reasons: readonly string[]): Uint8Array {
  return deflateRawSync(JSON.stringify(reasons), { dictionary: REASONS_DICTIONARY_V1 });
}

/** Reasons from the item's `rz`. */
export function decodeReasons(rz: Uint8Array): string[] {
  return JSON.parse(inflateRawSync(rz, { dictionary: REASONS_DICTIONARY_V1 }).toString('utf8')) as string[];
}
