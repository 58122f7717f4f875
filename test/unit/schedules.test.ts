import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { ScheduledEvent } from 'aws-lambda';
import { schedule } from '../../local/schedules.js';

const HOUR = 3_600_000;
const flush = () => new Promise((r) => setImmediate(r));

describe('local schedules (EventBridge rate rules)', () => {
  it('fires the current period at start, then at each boundary, with ids fixed by the period; never overlaps', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: Date.parse('2026-11-23T10:20:00.000Z') });
    try {
      const events: ScheduledEvent[] = [];
      let finish: (() => void) | undefined;
      const stop = schedule('sweeper', HOUR, (e) => {
        events.push(e);
        return new Promise<void>((r) => (finish = r));
      });
      mock.timers.tick(0);
      assert.deepEqual(events.map((e) => [e.id, e.time]), [['sweeper-2026-11-23T10:00:00.000Z', '2026-11-23T10:00:00.000Z']]);

      // The first run is still going at 11:00: that period is skipped rather than run alongside.
      mock.timers.tick(40 * 60_000);
      assert.equal(events.length, 1);
      finish!();
      await flush();
      mock.timers.tick(HOUR);
      assert.deepEqual(events.map((e) => e.time).slice(1), ['2026-11-23T12:00:00.000Z']);
      finish!();
      await flush();

      // A restart within the same period sends the same event id again: the job resumes from its checkpoints.
      await stop();
      const again: string[] = [];
      const stop2 = schedule('sweeper', HOUR, async (e) => void again.push(e.id));
      mock.timers.tick(0);
      assert.deepEqual(again, ['sweeper-2026-11-23T12:00:00.000Z']);
      await stop2();
      mock.timers.tick(10 * HOUR);
      assert.equal(again.length, 1, 'a stopped schedule fires no more');
    } finally {
      mock.timers.reset();
    }
  });
});
