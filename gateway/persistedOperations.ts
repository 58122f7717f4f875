import { operationId } from '../core/store/operations.js';
import type { GraphQLHttpRequest } from './gateway.js';

/*
 * Persisted operations (docs/architecture.md, "Keys and scopes"). Every client may use Apollo's automatic
 * persisted queries (a hash first, the text when the server does not know it). On top, operations registered by an
 * admin (`registerOperations`) are known by hash in every container, and a key made with `persistedQueriesOnly`
 * may run registered operations only: a leaked frontend key then cannot run arbitrary queries.
 */

export type PersistedResult =
  | { ok: true; request: GraphQLHttpRequest }
  | { ok: false; status: 400 | 403; code: 'PERSISTED_QUERY_NOT_IN_LIST' | 'BAD_REQUEST'; message: string };

interface Payload {
  query?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } };
}

/** The operation text and APQ hash of a POST body or a GET query string. */
function payloadOf(request: GraphQLHttpRequest): Payload | null {
  if (request.method.toUpperCase() === 'GET') {
    const params = new URLSearchParams(request.search);
    try {
      return { query: params.get('query') ?? undefined, extensions: params.has('extensions') ? JSON.parse(params.get('extensions')!) : undefined };
    } catch {
      return null;
    }
  }
  try {
    const body = JSON.parse(request.body || '{}');
    return body && typeof body === 'object' && !Array.isArray(body) ? body : null;
  } catch {
    return null; // the gateway answers a body that is not JSON itself
  }
}

/**
 * Resolves a request against the registered operations: a hash-only request of a registered operation gets its
 * text; with `registeredOnly`, anything else is refused (403 `PERSISTED_QUERY_NOT_IN_LIST`).
 *
 * @example
 * const r = await persistedRequest(request, key.persistedOnly === true, (id) => getOperationText(table, id));
 */
export async function persistedRequest(
  request: GraphQLHttpRequest,
  registeredOnly: boolean,
  lookup: (id: string) => Promise<string | undefined>,
): Promise<PersistedResult> {
  // Most requests carry their text and no hash: for a key not bound to the list, nothing to look up, and the body
  // is not parsed twice (the gateway parses it).
  if (!registeredOnly && !(request.method.toUpperCase() === 'GET' ? request.search : request.body).includes('persistedQuery')) return { ok: true, request };
  const payload = payloadOf(request);
  if (!payload) return registeredOnly ? { ok: false, status: 400, code: 'BAD_REQUEST', message: 'the request is not a GraphQL request' } : { ok: true, request };
  const hash = payload.extensions?.persistedQuery?.sha256Hash;
  const query = typeof payload.query === 'string' ? payload.query : undefined;
  const id = typeof hash === 'string' ? hash.toLowerCase() : query !== undefined ? operationId(query) : undefined;
  const registered = id && (registeredOnly || query === undefined) ? await lookup(id) : undefined;
  if (registeredOnly && (registered === undefined || (query !== undefined && operationId(query) !== id))) {
    return { ok: false, status: 403, code: 'PERSISTED_QUERY_NOT_IN_LIST', message: 'this key may run registered operations only' };
  }
  if (query !== undefined || registered === undefined) return { ok: true, request };
  // A hash-only request of a registered operation: the text from the list (Apollo checks that it hashes to it).
  if (request.method.toUpperCase() === 'GET') {
    const params = new URLSearchParams(request.search);
    params.set('query', registered);
    return { ok: true, request: { ...request, search: params.toString() } };
  }
  return { ok: true, request: { ...request, body: JSON.stringify({ ...payload, query: registered }) } };
}
