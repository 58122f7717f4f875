import type { Operation } from './queries';

/**
 * The console's only way to the backend: the public GraphQL endpoint, with the operator's API key (or JWT).
 * Errors keep their `extensions.code` so views can say what went wrong (FORBIDDEN, BAD_USER_INPUT, …).
 */

export interface Session {
  /** GraphQL endpoint, from config.json (same origin locally; the API's URL behind CloudFront). */
  url: string;
  /** An API key (`og_…`, sent as x-api-key) or a JWT (sent as a Bearer token). */
  token: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** Where the error points in the request, such as an input field. */
    readonly field?: string,
  ) {
    super(message);
  }
}

interface GraphQLErrorJson {
  message: string;
  extensions?: { code?: string; field?: string; argumentName?: string };
}

export async function loadConfig(): Promise<{ graphqlUrl: string }> {
  const res = await fetch('./config.json', { cache: 'no-store' });
  return (await res.json()) as { graphqlUrl: string };
}

const authHeaders = (token: string): Record<string, string> =>
  token.startsWith('og_') ? { 'x-api-key': token } : { authorization: `Bearer ${token}` };

/** Runs one operation; throws ApiError with the first error's code when there is no data to show. */
export async function gql<T, V>(session: Session, query: Operation<T, V>, variables: NoInfer<V>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(session.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders(session.token) },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The API cannot be reached', 'NETWORK');
  }
  const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: GraphQLErrorJson[]; message?: string };
  const first = body.errors?.[0];
  if (first || !body.data) {
    const code = first?.extensions?.code ?? (res.status === 401 ? 'UNAUTHENTICATED' : res.status === 403 ? 'FORBIDDEN' : `HTTP_${res.status}`);
    throw new ApiError(first?.message ?? body.message ?? res.statusText, code, first?.extensions?.field ?? first?.extensions?.argumentName);
  }
  return body.data;
}
