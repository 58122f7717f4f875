/**
 * Test stacks log at WARN unless the environment says otherwise (`POWERTOOLS_LOG_LEVEL=DEBUG npm test` shows
 * everything), so test output stays readable. Imported first by `test/support/stack.ts`: Powertools reads the
 * level when a logger is made, and the local runtime makes its logger when `local/log.ts` is imported.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
