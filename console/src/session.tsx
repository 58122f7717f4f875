import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiError, gql, type Session } from './api';
import type { Operation } from './queries';
import { useI18n } from './i18n';

/** The signed-in operator: the session to call the API with, and the scopes their key grants (from `viewer`). */
export interface Operator {
  session: Session;
  name: string;
  scopes: readonly string[];
}

export const OperatorContext = createContext<Operator | null>(null);

export function useOperator(): Operator {
  const op = useContext(OperatorContext);
  if (!op) throw new Error('useOperator outside a signed-in console');
  return op;
}

export const can = (op: Operator, scope: string) => op.scopes.includes(scope);

export interface QueryState<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs a query when its variables change (and every `refreshMs`, for live charts). A newer request supersedes an
 * older one, so a slow answer never overwrites a fresh one.
 */
export function useQuery<T, V>(query: Operation<T, V>, variables: NoInfer<V> | null, refreshMs?: number): QueryState<T> {
  const { session } = useOperator();
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: variables !== null });
  const latest = useRef(0);
  const key = JSON.stringify(variables);
  const run = useCallback(() => {
    if (variables === null) return;
    const n = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    gql(session, query, variables).then(
      (data) => n === latest.current && setState({ data, loading: false }),
      // A failed refresh keeps the figures already shown, with the error beside them.
      (error: ApiError) => n === latest.current && setState((s) => ({ ...s, error, loading: false })),
    );
    // `key` stands for the variables: a new object with the same content does not rerun the query.
  }, [session, query, key]);
  useEffect(() => {
    run();
    if (!refreshMs) return;
    const timer = setInterval(run, refreshMs);
    return () => clearInterval(timer);
  }, [run, refreshMs]);
  return { ...state, reload: run };
}

/** A mutation (or a query run on demand): `run` resolves to the data, or to undefined after setting `error`. */
export function useAction<T, V>(query: Operation<T, V>) {
  const { session } = useOperator();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (variables: NoInfer<V>): Promise<T | undefined> => {
      setBusy(true);
      setError(undefined);
      try {
        return await gql(session, query, variables);
      } catch (err) {
        setError(err as ApiError);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [session, query],
  );
  return { run, error, busy };
}

export function ErrorBox({ error }: { error: ApiError | undefined }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <div className="error" role="alert">
      <strong>{t('error')}</strong> <code>{error.code}</code> {error.message}
    </div>
  );
}

export function Loading({ when }: { when: boolean }) {
  const { t } = useI18n();
  return when ? <p className="muted" aria-live="polite">{t('loading')}</p> : null;
}
