/**
 * Reads a required environment variable. Handlers read their configuration only through this function, so the
 * contract test can find every variable a handler needs.
 *
 * @example
 * const table = requireEnv('PROFILES_TABLE');
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** Reads an optional environment variable (endpoints overridden by the local runtime, tuning knobs). */
export function optionalEnv(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}
