/**
 * Tiny lexicon-based sentiment for customer messages in English and simplified Chinese.
 *
 * Matching scans the lower-cased text left to right and, at each position, takes the longest lexicon entry that
 * matches there, then skips past it — so overlapping entries (太差 vs 差, "never again" vs "never") are never
 * counted twice. English entries must sit on word boundaries; a trailing `*` makes an entry a prefix match
 * ("refund*" matches "refunded"). Chinese entries match as plain substrings.
 *
 * Negation: a negator among the previous 3 English words, or in the previous 3 characters for Chinese, within
 * the same clause, flips a hit: a negated positive counts as negative ("not happy", 不喜欢); a negated negative
 * counts as half-weight positive ("not bad", 不慢). Fixed phrases such as 不满意, 不错, 没收到 are lexicon entries
 * of their own, so they win over negation by being longest.
 */

/** Lexicon: term → weight (negative < 0). Extend via `createSentimentAnalyzer({ ...SENTIMENT_LEXICON, ... })`. */
export const SENTIMENT_LEXICON: Readonly<Record<string, number>> = Object.freeze({
  // English negative
  terrible: -2, awful: -2, horrible: -2, worst: -2, 'refund*': -1.5, broken: -1.5, 'disappoint*': -2,
  'complain*': -1.5, angry: -2, scam: -3, scammed: -3, scammer: -3, fraud: -3, 'never again': -3, 'not working': -2,
  "doesn't work": -2, "does not work": -2, "didn't work": -2, 'slow': -1, rude: -2, 'cancel*': -1.5,
  bad: -1, poor: -1, useless: -2, 'hate': -2, waste: -1.5, problem: -1, 'unacceptable': -2, 'ripoff': -3,
  'rip off': -3, 'furious': -3, 'damaged': -1.5, 'missing': -1, 'late': -1,
  // English positive
  great: 1, love: 1.5, 'thank*': 1, good: 1, excellent: 2, happy: 1, awesome: 2, perfect: 2, amazing: 2,
  helpful: 1, fast: 1, nice: 1, satisfied: 1.5,
  // Chinese negative
  差: -1, 太差: -2, 很差: -2, 好差: -2, 质量差: -2.5, 退款: -1.5, 投诉: -2, 垃圾: -2.5, 失望: -2, 慢: -1,
  太慢: -2, 骗: -3, 坏: -1, 坏了: -2, 不满意: -2, 生气: -2, 糟糕: -2, 退货: -1.5, 没收到: -2, 收不到: -2,
  破损: -1.5, 烂: -2, 恶心: -2.5, 太贵: -1, 不好用: -2, 不能用: -2, 用不了: -2, 欺骗: -3, 假货: -3,
  再也不: -2.5,
  // Chinese positive
  好: 1, 满意: 1.5, 喜欢: 1.5, 谢谢: 1, 感谢: 1, 不错: 1.5, 很好: 1.5, 棒: 1.5, 赞: 1, 好评: 2,
  没问题: 1, 快: 0.5,
  // neutral shields: common phrases containing a lexicon word with no sentiment of their own
  差不多: 0, 不好意思: 0, 好的: 0, 快递: 0,
});

/** Negation cues. English entries are whole words. */
export const NEGATORS: Readonly<{ en: readonly string[]; zh: readonly string[] }> = Object.freeze({
  en: Object.freeze([
    'not', 'no', 'never', "don't", 'dont', "didn't", 'didnt', "isn't", 'isnt', "wasn't", "aren't", "doesn't",
    'doesnt', "won't", "can't", 'cant', 'cannot', 'hardly', 'nothing',
  ]),
  zh: Object.freeze(['不', '没', '别', '无', '未']),
});

interface Entry {
  readonly term: string;
  readonly weight: number;
  /** English (Latin) entries need word boundaries. */
  readonly latin: boolean;
  readonly prefix: boolean;
}

export interface SentimentAnalyzer {
  /** Sum of matched weights; < 0 means negative, 0 neutral or no signal. */
  sentimentScore(text: string): number;
  isNegative(text: string): boolean;
}

const WORD_CHAR = /[a-z0-9']/;
const CLAUSE_BREAK = /[.!?;:,。！？；：，、\n]/;
const EN_NEGATION_WINDOW = 3;
const ZH_NEGATION_WINDOW = 3;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && WORD_CHAR.test(c);
}

/**
 * Build an analyzer over a custom lexicon and negators.
 *
 * @example
 * ```ts
 * const a = createSentimentAnalyzer({ ...SENTIMENT_LEXICON, meh: -0.5 });
 * a.isNegative('meh'); // true
 * ```
 */
export function createSentimentAnalyzer(
  lexicon: Readonly<Record<string, number>> = SENTIMENT_LEXICON,
  negators: { readonly en: readonly string[]; readonly zh: readonly string[] } = NEGATORS,
): SentimentAnalyzer {
  // Index by first character, longest term first.
  const index = new Map<string, Entry[]>();
  for (const [raw, weight] of Object.entries(lexicon)) {
    const prefix = raw.endsWith('*');
    const term = (prefix ? raw.slice(0, -1) : raw).toLowerCase();
    if (term === '') continue;
    const entry: Entry = { term, weight, latin: /^[a-z0-9']/.test(term), prefix };
    const list = index.get(term[0]) ?? [];
    list.push(entry);
    index.set(term[0], list);
  }
  for (const list of index.values()) list.sort((a, b) => b.term.length - a.term.length);
  const enNegators = new Set(negators.en);

  /** Length matched by `e` at `i`, or 0. */
  function matchAt(text: string, i: number, e: Entry): number {
    if (!text.startsWith(e.term, i)) return 0;
    if (!e.latin) return e.term.length;
    if (isWordChar(text[i - 1])) return 0;
    let end = i + e.term.length;
    if (e.prefix) while (isWordChar(text[end])) end++;
    else if (isWordChar(text[end])) return 0;
    return end - i;
  }

  function negated(text: string, i: number, latin: boolean): boolean {
    let start = i;
    // Stay within the clause.
    while (start > 0 && !CLAUSE_BREAK.test(text[start - 1])) start--;
    const before = text.slice(start, i);
    if (latin) {
      const words = before.match(/[a-z0-9']+/g) ?? [];
      return words.slice(-EN_NEGATION_WINDOW).some((w) => enNegators.has(w));
    }
    const tail = before.replace(/\s+/g, '').slice(-ZH_NEGATION_WINDOW);
    return negators.zh.some((n) => tail.includes(n));
  }

  function sentimentScore(text: string): number {
    const t = text.toLowerCase().replace(/[\u2018\u2019]/g, "'");
    let score = 0;
    for (let i = 0; i < t.length; ) {
      let matched = 0;
      let hit: Entry | undefined;
      for (const e of index.get(t[i]) ?? []) {
        matched = matchAt(t, i, e);
        if (matched > 0) {
          hit = e;
          break;
        }
      }
      if (!hit) {
        i++;
        continue;
      }
      if (hit.weight !== 0) {
        let w = hit.weight;
        if (negated(t, i, hit.latin)) w = w > 0 ? -w : -w / 2;
        score += w;
      }
      i += matched;
    }
    return score;
  }

  return { sentimentScore, isNegative: (text) => sentimentScore(text) < 0 };
}

const defaultAnalyzer = createSentimentAnalyzer();

/**
 * Lexicon sentiment score of `text` (English and simplified Chinese); negative < 0, 0 when no signal.
 *
 * @example
 * ```ts
 * sentimentScore('质量太差了，要退款'); // < 0
 * sentimentScore('Great service, thanks!'); // > 0
 * ```
 */
export function sentimentScore(text: string): number {
  return defaultAnalyzer.sentimentScore(text);
}

/**
 * True when the message reads as negative (score < 0).
 *
 * @example
 * ```ts
 * isNegative('not happy with this, I want a refund'); // true
 * isNegative('not bad at all'); // false
 * isNegative('不满意'); // true
 * ```
 */
export function isNegative(text: string): boolean {
  return defaultAnalyzer.isNegative(text);
}
