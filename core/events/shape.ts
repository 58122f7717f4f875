/**
 * Shape limits of one event, checked on the parsed JSON before anything serializes, copies or validates it.
 *
 * `JSON.parse` is iterative and takes any depth, but `JSON.stringify`, zod and every recursive walk downstream
 * (the content hash of `deriveEventId`, the fold) are not: properties nested about 6,000 levels deep, far under
 * the 32 KiB event limit, overflowed the stack and failed the whole request. This check walks the event with an
 * explicit stack (no recursion, so no depth can overflow it) and stops at the first limit passed, so its cost is
 * bounded by the limits rather than by what the client sent.
 */

/** Deepest nesting of objects and arrays in an event, counting the event object itself as level 1. */
export const MAX_NESTING_DEPTH = 16;
/** Most elements in any one array of an event. */
export const MAX_ARRAY_LENGTH = 1_000;
/** Most object keys in an event, summed over every object in it (envelope, properties, traits, context, …). */
export const MAX_TOTAL_KEYS = 1_000;

export type ShapeViolation =
  | { code: 'TOO_DEEP'; message: string }
  | { code: 'ARRAY_TOO_LONG'; message: string }
  | { code: 'TOO_MANY_KEYS'; message: string };

/**
 * The first shape limit `event` passes, or null when it is within all of them. Never throws and never recurses.
 *
 * @example
 * checkEventShape({ properties: { a: { b: 1 } } })   // null
 * checkEventShape(deeplyNested)                       // { code: 'TOO_DEEP', message: 'properties.a.a…: …' }
 */
export function checkEventShape(event: unknown): ShapeViolation | null {
  if (event === null || typeof event !== 'object') return null;
  // Each entry: a container, its depth, and the path to it (kept short in messages).
  const stack: Array<{ value: object; depth: number; path: string }> = [{ value: event, depth: 1, path: '' }];
  let keys = 0;
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (depth > MAX_NESTING_DEPTH) {
      return { code: 'TOO_DEEP', message: `${shortPath(path)}: objects and arrays nest at most ${MAX_NESTING_DEPTH} levels` };
    }
    if (Array.isArray(value)) {
      if (value.length > MAX_ARRAY_LENGTH) {
        return {
          code: 'ARRAY_TOO_LONG',
          message: `${shortPath(path)}: an array holds at most ${MAX_ARRAY_LENGTH} elements; this one has ${value.length}`,
        };
      }
      for (let i = 0; i < value.length; i++) {
        const child: unknown = value[i];
        if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1, path: `${path}[${i}]` });
      }
      continue;
    }
    // Own enumerable keys only, as JSON.parse produces them (a `__proto__` key included, without touching prototypes).
    const names = Object.keys(value);
    keys += names.length;
    if (keys > MAX_TOTAL_KEYS) {
      return { code: 'TOO_MANY_KEYS', message: `an event holds at most ${MAX_TOTAL_KEYS} keys in all its objects` };
    }
    for (const name of names) {
      const child: unknown = (value as Record<string, unknown>)[name];
      if (child !== null && typeof child === 'object') {
        stack.push({ value: child, depth: depth + 1, path: path ? `${path}.${name}` : name });
      }
    }
  }
  return null;
}

/** A path for a message: deep paths are cut to their first and last parts so a rejection stays small. */
function shortPath(path: string): string {
  if (!path) return 'event';
  return path.length <= 120 ? path : `${path.slice(0, 60)}…${path.slice(-40)}`;
}
