/**
 * Marketing-content compliance: a lexicon of terms that advertising law (China's 广告法 article 9 and its rules on
 * financial and medical claims; FTC rules on guaranteed-return claims) bans in marketing. A marketing send whose
 * subject or body contains one is suppressed and records the term, so an operator can see exactly what to reword.
 * Operators extend the list with their own terms.
 */

/** Why a term is banned. */
export type TermCategory = 'ABSOLUTE' | 'FINANCIAL' | 'MEDICAL' | 'AUTHORITY';

export interface LexiconTerm {
  term: string;
  category: TermCategory;
  /** Longer words containing the term that are fine (最近 "recently" is not 最 "most"). */
  allow?: readonly string[];
}

/** The default lexicon, Chinese and English. */
export const DEFAULT_LEXICON: readonly LexiconTerm[] = [
  // Absolute terms (绝对化用语).
  { term: '最', category: 'ABSOLUTE', allow: ['最近', '最后', '最终', '最初'] },
  { term: '第一', category: 'ABSOLUTE', allow: ['第一次', '第一步', '第一天', '第一单', '第一件'] },
  { term: '唯一', category: 'ABSOLUTE' },
  { term: '顶级', category: 'ABSOLUTE' },
  { term: '极致', category: 'ABSOLUTE' },
  { term: '绝对', category: 'ABSOLUTE' },
  { term: '首选', category: 'ABSOLUTE' },
  { term: '万能', category: 'ABSOLUTE' },
  { term: '全网', category: 'ABSOLUTE' },
  { term: '史无前例', category: 'ABSOLUTE' },
  { term: '100%', category: 'ABSOLUTE' },
  { term: 'best ever', category: 'ABSOLUTE' },
  { term: 'number one', category: 'ABSOLUTE' },
  { term: 'no. 1', category: 'ABSOLUTE' },
  { term: '#1', category: 'ABSOLUTE' },
  { term: 'world\'s best', category: 'ABSOLUTE' },
  // Authority claims.
  { term: '国家级', category: 'AUTHORITY' },
  { term: '世界级', category: 'AUTHORITY' },
  { term: '国家免检', category: 'AUTHORITY' },
  // Financial claims.
  { term: '保本', category: 'FINANCIAL' },
  { term: '高息', category: 'FINANCIAL' },
  { term: '稳赚', category: 'FINANCIAL' },
  { term: '零风险', category: 'FINANCIAL' },
  { term: '无风险', category: 'FINANCIAL' },
  { term: '保收益', category: 'FINANCIAL' },
  { term: 'guaranteed returns', category: 'FINANCIAL' },
  { term: 'guaranteed return', category: 'FINANCIAL' },
  { term: 'guaranteed profit', category: 'FINANCIAL' },
  { term: 'risk-free', category: 'FINANCIAL' },
  { term: 'risk free', category: 'FINANCIAL' },
  { term: 'zero risk', category: 'FINANCIAL' },
  // Medical claims.
  { term: '包治百病', category: 'MEDICAL' },
  { term: '根治', category: 'MEDICAL' },
  { term: '药到病除', category: 'MEDICAL' },
  { term: 'cure-all', category: 'MEDICAL' },
  { term: 'miracle cure', category: 'MEDICAL' },
];

/** One banned term found in a text. */
export interface TermMatch {
  term: string;
  category: TermCategory | 'OPERATOR';
  /** Offset into the normalised text. */
  index: number;
}

/** Full-width forms fold to ASCII (`１００％` is `100%`), and case folds. */
const normalise = (text: string) => text.normalize('NFKC').toLowerCase();
const ASCII_WORD = /[a-z0-9]/;

function occurrences(text: string, entry: LexiconTerm, category: TermMatch['category']): TermMatch[] {
  const term = normalise(entry.term);
  const ascii = /^[\x20-\x7e]+$/.test(term);
  const found: TermMatch[] = [];
  for (let i = text.indexOf(term); i !== -1; i = text.indexOf(term, i + 1)) {
    // ASCII terms match whole words only ("risk-free" but not "asterisk-freely").
    if (ascii) {
      const before = text[i - 1];
      const after = text[i + term.length];
      if (ASCII_WORD.test(term[0]!) && before && ASCII_WORD.test(before)) continue;
      if (ASCII_WORD.test(term[term.length - 1]!) && after && ASCII_WORD.test(after)) continue;
    }
    const allowed = (entry.allow ?? []).some((word) => {
      const w = normalise(word);
      const offset = w.indexOf(term);
      return offset !== -1 && text.startsWith(w, i - offset);
    });
    if (!allowed) found.push({ term: entry.term, category, index: i });
  }
  return found;
}

/**
 * Banned terms in `text`, earliest first. `extraTerms` are the operator's own additions.
 *
 * @example
 * findBannedTerms('全网最低价，保本高息') // [{ term: '全网', ... }, { term: '最', ... }, { term: '保本', ... }, { term: '高息', ... }]
 * findBannedTerms('最近的订单') // []
 */
export function findBannedTerms(text: string, extraTerms: readonly string[] = []): TermMatch[] {
  const t = normalise(text);
  const matches = DEFAULT_LEXICON.flatMap((e) => occurrences(t, e, e.category));
  for (const term of extraTerms) if (term.trim()) matches.push(...occurrences(t, { term: term.trim(), category: 'ABSOLUTE' }, 'OPERATOR'));
  return matches.sort((a, b) => a.index - b.index || b.term.length - a.term.length);
}
