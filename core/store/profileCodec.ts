import { brotliCompressSync, brotliDecompressSync, constants as zlib, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Profile } from '../profile/types.js';
import { WRITE_UNIT_BYTES } from './itemSize.js';

/**
 * How a profile document is stored in its DynamoDB item. Every write of a profile is billed by the whole item
 * (1 write unit per started KB, UpdateItem by the larger of before and after), so the layout is chosen for
 * bytes:
 *
 * - `p` (string): the profile's JSON, when the whole item then fits in one write unit uncompressed (a new or
 *   very small profile: no zlib call at all);
 * - `z` (binary): the same JSON compressed with raw DEFLATE (level 6) and the preset dictionary below, when it is
 *   under {@link BROTLI_FROM_BYTES}. Its recent-event ring, dedup ids and day buckets repeat the same keys and
 *   values; the dictionary primes the window with the profile's own field names, so a small profile does not pay
 *   for them once;
 * - `b` (binary): the same JSON compressed with Brotli (quality 5), from {@link BROTLI_FROM_BYTES} on. These are
 *   the heavy users, written in nearly every batch at several write units each; Brotli's context modelling makes
 *   them about 20% smaller than DEFLATE level 1 did (a unit less for many), at a few more microseconds than it
 *   (`npm run bench:cost`, `dynamodb_writes`). Node's Brotli takes no custom dictionary, which these do not need;
 * - `doc` (string): the JSON as written before this layout existed. It is still read; the next write of the
 *   profile replaces it (and removes it), so stored data dirs keep working.
 *
 * An item holds exactly one of them. The profile itself is unchanged: decoding gives back the same document.
 */
export const PLAIN_ATTR = 'p';
export const COMPRESSED_ATTR = 'z';
export const BROTLI_ATTR = 'b';
export const LEGACY_ATTR = 'doc';
export const BODY_ATTRS = [PLAIN_ATTR, COMPRESSED_ATTR, BROTLI_ATTR, LEGACY_ATTR] as const;

/** Bodies from this size of JSON on are compressed with Brotli instead of DEFLATE with the dictionary. */
export const BROTLI_FROM_BYTES = 8 * 1024;

/**
 * The preset dictionary of `z`, version 1: the profile document's field names and common values, the most
 * frequent last (zlib's advice). Inflating needs the very same bytes, so this string must never change: a new
 * dictionary needs a new attribute name, with this one still decoded.
 */
const DICTIONARY_V1 = Buffer.from(
  '{"kind":"USER_ID","value":"","firstSeenAt":"2026-{"kind":"EMAIL","value":"{"kind":"ANONYMOUS_ID","value":"anon:"},' +
    '"product_viewed":"product_added_to_cart":"order_completed":"$revenue":"login":"app_opened":"identify":{"score":,"at":"2026-' +
    '"type":"track","event":"product_viewed","timestamp":"2026-","channel":"web","properties":{"productId":"p-","category":"' +
    '"type":"track","event":"order_completed","timestamp":"2026-","channel":"app","properties":{"orderId":"","revenue":,' +
    '"products":[{"category":"","price":,"quantity":1}]}},{"eventId":""tags":{"since":"2026-","source":"rule:","ruleVersion":1}' +
    '{"identities":[],"traits":{},"traitsAt":{},"firstSeenAt":null,"lastSeenAt":null,"counters":{},"lastAt":{},"days":{},' +
    '"orders":{"count":0,"revenue":0,"refunds":0,"refunded":0,"firstAt":null,"lastAt":null},"interests":{},"lastChannel":null,' +
    '"lastCountry":null,"lastLocale":null,"lastContextAt":null,"consent":{},"tags":{},"segments":{},"recent":[{"eventId":""dedup":' +
    '{"ids":["shards":{"shardId-000000000000":"49"},"mergedFrom":[]}',
  'utf8',
);

/**
 * Bytes an item spends outside its body, with a margin: key, version and the churn score the scorer keeps beside
 * it (~120 bytes, its reasons compressed: `core/store/churnCodec.ts`). A body up to one write unit minus this
 * stays plain: compressing it would save no unit.
 */
export const ITEM_OVERHEAD_BYTES = 320;
const PLAIN_LIMIT = WRITE_UNIT_BYTES - ITEM_OVERHEAD_BYTES;

export type EncodedBody = { attr: typeof PLAIN_ATTR; value: string } | { attr: typeof COMPRESSED_ATTR | typeof BROTLI_ATTR; value: Uint8Array };

/** Encodes a profile for its item: plain JSON when small, compressed JSON (DEFLATE, or Brotli when large) when that is smaller. */
export function encodeProfile(profile: Profile): EncodedBody {
  const json = JSON.stringify(profile);
  // Byte length ≥ string length; for ASCII it is equal, so the cheap check settles most profiles.
  if (json.length <= PLAIN_LIMIT && Buffer.byteLength(json) <= PLAIN_LIMIT) return { attr: PLAIN_ATTR, value: json };
  const body: EncodedBody =
    json.length < BROTLI_FROM_BYTES
      ? { attr: COMPRESSED_ATTR, value: deflateRawSync(json, { level: 6, dictionary: DICTIONARY_V1 }) }
      : { attr: BROTLI_ATTR, value: brotliCompressSync(json, { params: BROTLI_PARAMS(json.length) }) };
  return body.value.byteLength >= Buffer.byteLength(json) ? { attr: PLAIN_ATTR, value: json } : body;
}

/** Quality 5: nearly quality 9's size at a sixth of its CPU; a 128 KiB window covers all but outsized profiles. */
const BROTLI_PARAMS = (bytes: number) => ({
  [zlib.BROTLI_PARAM_QUALITY]: 5,
  [zlib.BROTLI_PARAM_LGWIN]: 17,
  [zlib.BROTLI_PARAM_SIZE_HINT]: bytes,
  [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
});

/** Decodes the body of a stored item, whichever layout wrote it; undefined when the item has none. */
export function decodeProfile(item: Record<string, unknown>): Profile | undefined {
  const z = item[COMPRESSED_ATTR];
  if (z instanceof Uint8Array) return JSON.parse(inflateRawSync(z, { dictionary: DICTIONARY_V1 }).toString('utf8')) as Profile;
  const b = item[BROTLI_ATTR];
  if (b instanceof Uint8Array) return JSON.parse(brotliDecompressSync(b).toString('utf8')) as Profile;
  const p = item[PLAIN_ATTR];
  if (typeof p === 'string') return JSON.parse(p) as Profile;
  const doc = item[LEGACY_ATTR];
  if (typeof doc === 'string') return JSON.parse(doc) as Profile;
  return undefined;
}
