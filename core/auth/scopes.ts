/**
 * What a key (or a token's claim) may do. Each GraphQL field and route checks only its own scope
 * (docs/architecture.md, "Keys and scopes"); the table of what each allows is in the README.
 */
export const SCOPES = [
  'events:write',
  'profiles:read',
  'profiles:pii',
  'segments:read',
  'rules:write',
  'campaigns:read',
  'campaigns:write',
  'analytics:read',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

/** A writer may read what it writes: a rules author sees the segments and rules, a campaign author the campaigns. */
const IMPLIED: Partial<Record<Scope, readonly Scope[]>> = {
  'rules:write': ['segments:read'],
  'campaigns:write': ['campaigns:read'],
};

/**
 * Whether `held` grants `needed`: held directly, implied by a writer's scope, or by `admin` (every scope).
 *
 * @example
 * grants(['rules:write'], 'segments:read') // true
 * grants(['profiles:read'], 'profiles:pii') // false
 */
export function grants(held: readonly Scope[], needed: Scope): boolean {
  return held.includes('admin') || held.includes(needed) || held.some((s) => IMPLIED[s]?.includes(needed));
}

export const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);
