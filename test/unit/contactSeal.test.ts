import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openContact, sealContact } from '../../core/privacy/contactSeal.js';
import { contactOf } from '../../core/store/contacts.js';

describe('contact sealing', () => {
  const secret = 'k'.repeat(64);

  it('opens what it sealed, for the same id and key only', () => {
    const sealed = sealContact('ann@example.com', 'EMAIL#abc', secret);
    assert.doesNotMatch(sealed, /ann|example/);
    assert.equal(openContact(sealed, 'EMAIL#abc', secret), 'ann@example.com');
    assert.notEqual(sealContact('ann@example.com', 'EMAIL#abc', secret), sealed, 'a fresh IV each time');
    assert.equal(openContact(sealed, 'EMAIL#other', secret), null, 'bound to its item');
    assert.equal(openContact(sealed, 'EMAIL#abc', 'another key'), null);
  });

  it('refuses tampered, truncated and foreign values', () => {
    const sealed = sealContact('+447700900123', 'PHONE#1', secret);
    const [v, iv, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    assert.equal(openContact(`${v}.${iv}.${flipped.toString('base64url')}`, 'PHONE#1', secret), null);
    assert.equal(openContact(`${v}.${iv}.${body!.slice(0, 10)}`, 'PHONE#1', secret), null);
    assert.equal(openContact('v2.x.y', 'PHONE#1', secret), null);
    assert.equal(openContact('not sealed', 'PHONE#1', secret), null);
  });

  it('keeps normalised addresses under the identity key, and nothing for sealed or unusable values', () => {
    const c = contactOf('EMAIL', ' Ann@Example.COM ', secret)!;
    assert.equal(c.address, 'ann@example.com');
    assert.match(c.id, /^EMAIL#[0-9a-f]{64}$/);
    assert.equal(contactOf('EMAIL', ' ann@example.com', secret)!.id, c.id, 'one address, one item');
    assert.equal(contactOf('PHONE', '+44 (7700) 900-123', secret)!.address, '+447700900123');
    assert.equal(contactOf('PHONE', `hmac:${'a'.repeat(64)}`, secret), null);
    assert.equal(contactOf('EMAIL', 'not an email', secret), null);
  });
});
