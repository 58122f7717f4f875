/**
 * Resolves after `ms` milliseconds: the one sleep of the code base (shipped code, tools and benches import it).
 *
 * @example
 * await sleep(backoff);
 */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
