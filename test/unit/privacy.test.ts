import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskPii, MASKED, piiClassifier, piiTraitsFromEnv } from '../../core/privacy/pii.js';
import { redactText } from '../../core/privacy/redact.js';

describe('PII classification and masking', () => {
  it('matches the defaults in snake, camel and kebab case, and a stage list', () => {
    const isPii = piiClassifier(piiTraitsFromEnv(' loyalty_card , ,vip-code'));
    for (const k of ['email', 'Email', 'phone_number', 'phoneNumber', 'firstName', 'LAST_NAME', 'date-of-birth', 'nationalId', 'LoyaltyCard', 'vipCode']) {
      assert.ok(isPii(k), k);
    }
    for (const k of ['plan', 'city', 'emails_sent', 'constructor', '__proto__']) assert.ok(!isPii(k), k);
  });

  it('masks at any depth and lists the paths', () => {
    const r = maskPii({ plan: 'pro', address: { city: 'Leeds' }, kids: [{ firstName: 'A', age: 3 }], name: null }, piiClassifier());
    assert.deepEqual(r.value, { plan: 'pro', address: MASKED, kids: [{ firstName: MASKED, age: 3 }], name: null });
    assert.deepEqual(r.paths, ['address', 'kids.0.firstName']);
    assert.deepEqual(maskPii('text', piiClassifier()), { value: 'text', paths: [] });
  });
});

describe('free-text redaction', () => {
  it('redacts Luhn-valid cards, emails and phone numbers, and keeps dates, order numbers and other digits', () => {
    assert.equal(
      redactText('card 4111 1111 1111 1111 or 4111-1111-1111-1111, mail ann@example.co.uk, call +44 20 7946 0958 or (020) 7946-0958'),
      'card [card] or [card], mail [email], call [phone] or [phone]',
    );
    assert.equal(redactText('order 1234567812345678 placed 2026-12-03, ref 12345'), 'order 1234567812345678 placed 2026-12-03, ref 12345');
    assert.equal(redactText('no personal data here'), 'no personal data here');
  });
});
