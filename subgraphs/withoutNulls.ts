/** An input type with GraphQL's "not given" nulls removed, deeply: what a zod schema with `.optional()` fields takes. */
export type WithoutNulls<T> = T extends null | undefined
  ? never
  : T extends readonly (infer U)[]
    ? WithoutNulls<U>[]
    : T extends object
      ? { [K in keyof T as null extends T[K] ? never : K]: WithoutNulls<T[K]> } & { [K in keyof T as null extends T[K] ? K : never]?: WithoutNulls<T[K]> }
      : T;

/**
 * Drops null fields of an input object, deeply. GraphQL passes an optional input field the client left out (or
 * set to null) as null; the core schemas mean "not given" by a missing key, and would refuse the null.
 *
 * @example
 * withoutNulls({ key: 'a', stopAt: null, variants: [{ key: 'x', weight: null }] }) // { key: 'a', variants: [{ key: 'x' }] }
 */
export function withoutNulls<T>(value: T): WithoutNulls<T> {
  if (Array.isArray(value)) return value.map(withoutNulls) as WithoutNulls<T>;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = withoutNulls(v);
    return out as WithoutNulls<T>;
  }
  return value as WithoutNulls<T>;
}
