import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { propertyEqualities } from '../../core/analytics/archive/stepCondition.js';
import { AnalyticsInputError } from '../../core/analytics/errors.js';
import { archiveEngineOf, closeArchiveEngines, registerArchiveEngine } from '../../core/analyticsEngine/archiveQueries.js';
import { athenaLiteral, athenaSettingsOf, athenaValue } from '../../core/analyticsEngine/athenaEngine.js';
import { duckdbDialect, type ArchiveQueryEngine } from '../../core/analytics/archive/engine.js';

describe('funnel step conditions', () => {
  it('reads property equalities joined by and, on either side of ==', () => {
    assert.deepEqual(propertyEqualities('properties.category == "shoes"'), { category: 'shoes' });
    assert.deepEqual(propertyEqualities('42 == properties.size and properties["gift wrap"] == true'), { size: 42, 'gift wrap': true });
  });

  it('refuses anything SQL could not test the same way on both engines, with a BAD_CONDITION reason', () => {
    for (const bad of ['stats.orders > 1', 'properties.a != 1', 'properties.a == 1 or properties.b == 2', 'properties.a == null', 'properties.a == properties.b', 'properties.a == 1 and properties.a == 2', 'properties.a ==']) {
      assert.throws(() => propertyEqualities(bad), (e: unknown) => e instanceof AnalyticsInputError && e.reason === 'BAD_CONDITION', bad);
    }
  });
});

describe('the Athena engine', () => {
  it('parses ARCHIVE_ENGINE and refuses anything else', () => {
    assert.deepEqual(athenaSettingsOf('athena:opsgraph-prod-archive:opsgraph_prod_archive.events'), { workgroup: 'opsgraph-prod-archive', database: 'opsgraph_prod_archive', table: 'events' });
    assert.throws(() => athenaSettingsOf('athena:wg:db;drop.events'), /ARCHIVE_ENGINE must be/);
  });

  it('binds values as SQL literals, quotes doubled (ExecutionParameters are literal text)', () => {
    assert.deepEqual([athenaLiteral("o'brien"), athenaLiteral(12.5), athenaLiteral(true), athenaLiteral(null)], ["'o''brien'", '12.5', 'TRUE', 'NULL']);
    assert.throws(() => athenaLiteral(Number.NaN), RangeError);
  });

  it('reads result cells by column type', () => {
    assert.equal(athenaValue('12', { Name: 'n', Type: 'bigint' }), 12);
    assert.equal(athenaValue('12345678901234567890', { Name: 'n', Type: 'bigint' }), '12345678901234567890');
    assert.equal(athenaValue('0.5', { Name: 'x', Type: 'double' }), 0.5);
    assert.equal(athenaValue(undefined, { Name: 'x', Type: 'varchar' }), null);
    assert.equal(athenaValue('true', { Name: 'b', Type: 'boolean' }), true);
    assert.deepEqual(athenaValue('[A, B]', { Name: 'p', Type: 'array' }), ['A', 'B']);
  });
});

describe('archive engine selection', () => {
  it('opens a registered engine once, answers none for an empty spec, and retries a failed open', async () => {
    let opens = 0;
    const engine: ArchiveQueryEngine = { dialect: duckdbDialect, table: 't', query: async () => [], close: async () => {} };
    registerArchiveEngine('test-once', async () => (opens++, engine));
    const get = archiveEngineOf('test-once', 'file:///tmp/x')!;
    assert.equal(await get(), engine);
    assert.equal(await get(), engine);
    assert.equal(opens, 1);
    assert.equal(archiveEngineOf('', ''), undefined);
    const missing = archiveEngineOf('not-registered', '')!;
    await assert.rejects(missing(), /no archive engine "not-registered"/);
    registerArchiveEngine('not-registered', async () => engine);
    assert.equal(await missing(), engine, 'a failed open is not cached');
    await closeArchiveEngines();
    assert.equal(await get(), engine);
    assert.equal(opens, 2, 'a closed engine is opened anew, not handed out');
  });
});
