import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messagingSettingsFromEnv } from '../../core/journeyEngine/messagingSettings.js';

describe('messaging settings (stage data)', () => {
  it('empty means outbox only; a sender identity is read as given', () => {
    assert.deepEqual(messagingSettingsFromEnv(undefined), {});
    assert.deepEqual(messagingSettingsFromEnv(''), {});
    const sms = { originationIdentityArn: 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-1' };
    assert.deepEqual(messagingSettingsFromEnv(JSON.stringify({ sms })), { sms });
  });

  it('a bad value fails the cold start with what is wrong', () => {
    assert.throws(() => messagingSettingsFromEnv('{"email":{"from":"a@b.c"}}'), /identity/);
    assert.throws(() => messagingSettingsFromEnv('{"sms":{"originationIdentityArn":"+447700900123"}}'), /originationIdentityArn/);
    assert.throws(() => messagingSettingsFromEnv('{"fax":{}}'), /fax/);
    assert.throws(() => messagingSettingsFromEnv('not json'), SyntaxError);
  });
});
