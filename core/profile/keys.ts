
/*
 * Maps keyed by strings the client chooses (event names, categories, trait keys, consent purposes, tag names made
 * from categories) are null-prototype objects: on a plain `{}`, `o['__proto__'] = v` replaces the prototype and
 * `o['constructor']` reads Object. A null-prototype object has no inherited names at all, serialises to the same
 * JSON, and JSON.parse turns a `"__proto__"` key back into an own property, which `toDict` copies as data.
 */

/** A new empty null-prototype map. */
export const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** The own value under `key`, never an inherited one (safe on any object, revived or not). */
export function own<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** `map` itself when it already has a null prototype, else a null-prototype copy of its own enumerable keys. */
export function toDict<T>(map: Record<string, T> | null | undefined): Record<string, T> {
  if (map === null || map === undefined || typeof map !== 'object') return dict<T>();
  if (Object.getPrototypeOf(map) === null) return map;
  const copy = dict<T>();
  for (const k of Object.keys(map)) copy[k] = map[k]!;
  return copy;
}
