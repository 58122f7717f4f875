import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSentimentAnalyzer, isNegative, sentimentScore, SENTIMENT_LEXICON } from '../../core/text/sentiment.js';

describe('sentiment (English)', () => {
  const negative = [
    'This is terrible',
    'Worst purchase ever, I want a REFUND',
    'The app is not working again',
    'Totally a scam.',
    'never again',
    'I am disappointed with the delivery',
    'Support was rude and slow',
    'please cancel my subscription',
    'I cancelled because it was broken',
    'not happy with this',
    "I don't love it",
    'It doesn’t work',
  ];
  const positive = ['Great service, thanks!', 'I love it', 'not bad at all', 'no problem, thank you', 'Excellent and fast'];
  const neutral = ['What time do you open?', 'scampi for dinner', 'my order number is 123', ''];

  for (const t of negative) it(`negative: ${t}`, () => assert.equal(isNegative(t), true, `score ${sentimentScore(t)}`));
  for (const t of positive) it(`positive: ${t}`, () => assert.ok(sentimentScore(t) > 0, `score ${sentimentScore(t)}`));
  for (const t of neutral) it(`neutral: ${JSON.stringify(t)}`, () => assert.equal(sentimentScore(t), 0));

  it('respects word boundaries and clause-scoped negation', () => {
    assert.equal(sentimentScore('badge'), 0);
    assert.ok(sentimentScore('not perfect') < 0);
    assert.ok(sentimentScore('no, great job') > 0); // comma ends the negation scope
  });
});

describe('sentiment (Chinese)', () => {
  const negative = [
    '质量太差了',
    '我要退款',
    '我要投诉你们',
    '垃圾产品',
    '非常失望',
    '发货太慢',
    '你们是骗子',
    '收到就坏了',
    '很不满意',
    '我很生气',
    '体验糟糕',
    '申请退货',
    '质量差',
    '到现在还没收到',
    '不好',
    '不喜欢',
    '不太满意',
  ];
  const positive = ['很好，谢谢', '非常满意', '我喜欢', '东西不错', '一点也不慢', '快递很快，满意'];
  const neutral = ['差不多吧', '不好意思，请问几点发货', '好的', '请问快递到哪了'];

  for (const t of negative) it(`negative: ${t}`, () => assert.equal(isNegative(t), true, `score ${sentimentScore(t)}`));
  for (const t of positive) it(`positive: ${t}`, () => assert.ok(sentimentScore(t) > 0, `score ${sentimentScore(t)}`));
  for (const t of neutral) it(`neutral: ${t}`, () => assert.equal(sentimentScore(t), 0, `score ${sentimentScore(t)}`));

  it('matches longest entries first without double counting', () => {
    assert.equal(sentimentScore('太差'), SENTIMENT_LEXICON['太差']);
    assert.equal(sentimentScore('质量差'), SENTIMENT_LEXICON['质量差']);
    assert.equal(sentimentScore('坏了'), SENTIMENT_LEXICON['坏了']);
    assert.equal(sentimentScore('不满意'), SENTIMENT_LEXICON['不满意']);
    assert.equal(sentimentScore('差差'), 2 * SENTIMENT_LEXICON['差']);
  });

  it('handles mixed-language messages', () => {
    assert.equal(isNegative('refund please, 质量太差'), true);
    assert.equal(isNegative('thanks 谢谢'), false);
  });
});

describe('sentiment lexicon extension', () => {
  it('builds analyzers over an extended lexicon', () => {
    const a = createSentimentAnalyzer({ ...SENTIMENT_LEXICON, meh: -0.5, 拉胯: -2 });
    assert.equal(a.isNegative('meh'), true);
    assert.equal(a.isNegative('有点拉胯'), true);
    assert.equal(isNegative('meh'), false);
    assert.ok(Object.isFrozen(SENTIMENT_LEXICON));
  });
});
