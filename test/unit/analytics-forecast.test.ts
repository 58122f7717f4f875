import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecastEts } from '../../core/analytics/forecast.js';
import { AnalyticsInputError } from '../../core/analytics/errors.js';
import { mulberry32 } from '../../core/experiments/random.js';

describe('the exponential smoothing forecast', () => {
  it('extends an exact linear trend exactly, with a zero-width interval', () => {
    const f = forecastEts([10, 12, 14, 16, 18, 20, 22, 24], 3);
    assert.deepEqual(f.points.map((p) => Math.round(p.value * 1e9) / 1e9), [26, 28, 30]);
    assert.ok(f.points.every((p) => Math.abs(p.upper - p.lower) < 1e-9), 'no error, no width');
  });

  it('tracks a noisy trend, and its intervals widen with the horizon and cover about as often as they claim', () => {
    const rand = mulberry32(7);
    const normal = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
    let covered = 0;
    let total = 0;
    for (let run = 0; run < 200; run++) {
      const y = Array.from({ length: 44 }, (_, t) => 100 + 3 * t + 8 * normal());
      const f = forecastEts(y.slice(0, 40), 4);
      const widths = f.points.map((p) => p.upper - p.lower);
      assert.ok(widths.every((w, i) => i === 0 || w >= widths[i - 1]!), 'wider further out');
      f.points.forEach((p, i) => {
        total++;
        if (y[40 + i]! >= p.lower && y[40 + i]! <= p.upper) covered++;
      });
    }
    // Nominal 95%; estimated parameters make real coverage a little lower (FPP3 §8.7).
    assert.ok(covered / total > 0.88 && covered / total < 0.99, `coverage ${covered / total}`);
  });

  it('refuses too short a history, a bad horizon and an unknown level', () => {
    for (const [h, n, level] of [[4, 7, 0.95], [0, 10, 0.95], [14, 10, 0.95], [4, 10, 0.5]] as const) {
      assert.throws(() => forecastEts(Array.from({ length: n }, (_, i) => i), h, level), AnalyticsInputError);
    }
  });
});
