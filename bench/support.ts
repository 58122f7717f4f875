/** Shared helpers for benchmarks: percentiles and one-JSON-line output. */

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
