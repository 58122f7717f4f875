import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { HandlerBundle } from '../infra/bundling.js';

/** Shared helpers for benchmarks: percentiles, one-JSON-line output, the storage process CPU. */

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Prints one figure as a JSON line (the bench output convention of docs/architecture.md, "Contracts"). */
export function report(figure: Record<string, unknown>): void {
  console.log(JSON.stringify(figure));
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * Bundles `entry` the way the handlers are bundled for Lambda (`bundleHandler` of `infra/bundling.ts`: the same
 * esbuild settings, modules left out and chunks), as `outfile` (a `.mjs` path; chunks beside it) for this
 * machine, so a benchmark measures the code as deployed, not as tsx runs it.
 *
 * @example
 * await bundleAsDeployed(join(import.meta.dirname, 'engine-compute.ts'), '/tmp/engine.mjs');
 */
export async function bundleAsDeployed(entry: string, outfile: string, target = `node${process.versions.node.split('.')[0]}`): Promise<HandlerBundle> {
  const { bundleHandler } = await import('../infra/bundling.js');
  return bundleHandler(entry, dirname(outfile), { name: basename(outfile, '.mjs'), target, os: process.platform, arch: process.arch });
}

/**
 * CPU milliseconds spent so far by this process's descendants other than `exceptPid` (the load generator), that
 * is by the storage servers' process, from Linux's /proc (utime + stime, in clock ticks of 10 ms); null where
 * /proc has no children lists.
 */
export function descendantsCpuMs(exceptPid: number | undefined, pid = process.pid): number | null {
  try {
    let ms = 0;
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)) {
      if (child === exceptPid) continue;
      // Fields after the command (which may hold spaces) start at the third: utime and stime are the 14th and 15th.
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * 10 + (descendantsCpuMs(exceptPid, child) ?? 0);
    }
    return ms;
  } catch {
    return null;
  }
}
