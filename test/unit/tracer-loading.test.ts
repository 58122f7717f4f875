/**
 * The X-Ray SDK is loaded only inside Lambda (core/platform/tracer.ts): loaded, its cls-hooked context installs a
 * process-wide async hook that makes every promise about ten times dearer, which the one-process local runtime
 * paid on every event. Each case runs in a fresh process, since loading is per process.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');

/** Imports the SDK clients and the handler wrapper in a fresh process; true when aws-xray-sdk-core got loaded. */
function xrayLoaded(env: Record<string, string>): boolean {
  const script = `
    import { createRequire } from 'node:module';
    await import('./core/aws/clients.ts');
    await import('./core/platform/observability.ts');
    const cache = createRequire(import.meta.url).cache;
    console.log(Object.keys(cache).some((k) => k.includes('aws-xray-sdk-core')));`;
  const { AWS_EXECUTION_ENV: _, POWERTOOLS_TRACE_ENABLED: __, ...rest } = process.env;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: { ...rest, ...env }, encoding: 'utf8' });
  return out.trim().split('\n').at(-1) === 'true';
}

describe('tracer loading', () => {
  it('does not load the X-Ray SDK outside Lambda', () => {
    assert.equal(xrayLoaded({}), false);
  });

  it('does not load it in Lambda when tracing is turned off', () => {
    assert.equal(xrayLoaded({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x', POWERTOOLS_TRACE_ENABLED: 'false' }), false);
  });

  it('loads it inside Lambda', () => {
    assert.equal(xrayLoaded({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' }), true);
  });
});
