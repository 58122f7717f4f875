import type { ArchiveQueryEngine } from '../analytics/archive/engine.js';

/** Opens an engine over the archive at `store` (ENV.archiveStore). */
export type ArchiveEngineOpener = (store: string) => Promise<ArchiveQueryEngine>;

/** Time budget of one archive query from the API (the "queries have a time budget"). */
export const ARCHIVE_QUERY_BUDGET_MS = 10_000;

const openers = new Map<string, ArchiveEngineOpener>();
const opened = new Set<ArchiveQueryEngine>();
/** Bumped by {@link closeArchiveEngines}: a getter then opens anew instead of handing out a closed engine. */
let generation = 0;

/**
 * Registers an engine that is not shipped to Lambda. Why: the embedded DuckDB engine is the local runtime's
 * (a native module, `local/archive/`), and core never imports the runtimes; the local runtime registers it as
 * `duckdb` before it loads the handlers, which then find it through {@link archiveEngineOf}.
 *
 * @example
 * registerArchiveEngine('duckdb', (store) => DuckDbArchiveEngine.open({ dir: … }));
 */
export function registerArchiveEngine(name: string, open: ArchiveEngineOpener): void {
  openers.set(name, open);
}

/**
 * The archive query engine `ARCHIVE_ENGINE` names, opened on first use and kept: Athena on AWS
 * (`athena:<workgroup>:<database>.<table>`), or a registered one. Empty: no archive (queries answer
 * ARCHIVE_UNAVAILABLE).
 *
 * @example
 * const engine = archiveEngineOf(requireEnv('ARCHIVE_ENGINE'), requireEnv('ARCHIVE_STORE'));
 * const [funnel] = await runFunnel(await engine!(), spec);
 */
export function archiveEngineOf(spec: string, store: string): (() => Promise<ArchiveQueryEngine>) | undefined {
  if (spec === '') return undefined;
  let engine: Promise<ArchiveQueryEngine> | undefined;
  let openedIn = generation;
  const open = async (): Promise<ArchiveQueryEngine> => {
    if (spec.startsWith('athena:')) {
      // Loaded on the first archive query, not at every cold start of the graphql function.
      const [{ AthenaClient }, { AthenaArchiveEngine, athenaSettingsOf }] = await Promise.all([import('@aws-sdk/client-athena'), import('./athenaEngine.js')]);
      return new AthenaArchiveEngine(new AthenaClient({}), athenaSettingsOf(spec));
    }
    const opener = openers.get(spec);
    if (!opener) return Promise.reject(new Error(`no archive engine "${spec}" is registered in this runtime`));
    return opener(store);
  };
  return () => {
    if (openedIn !== generation) engine = undefined;
    openedIn = generation;
    engine ??= open().then((e) => (opened.add(e), e));
    // A failed open is tried again by the next query, not cached.
    engine.catch(() => (engine = undefined));
    return engine;
  };
}

/** Closes every engine opened in this process (the local runtime's shutdown). */
export async function closeArchiveEngines(): Promise<void> {
  generation++;
  await Promise.all([...opened].map((e) => e.close()));
  opened.clear();
}
