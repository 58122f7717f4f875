import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Kind, parse, type ConstValueNode } from 'graphql';
import type { SubgraphFetcher } from './executePlan.js';

/** Each subgraph's URL by the name the planner uses, from the supergraph's `join__Graph` enum. */
export function subgraphUrls(supergraphSdl: string): Map<string, string> {
  const urls = new Map<string, string>();
  for (const definition of parse(supergraphSdl, { noLocation: true }).definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === 'join__graph');
      const arg = (name: string) => (graph?.arguments?.find((a) => a.name.value === name)?.value as ConstValueNode & { value?: string })?.value;
      const name = arg('name');
      const url = arg('url');
      if (name && url) urls.set(name, url);
    }
  }
  return urls;
}

/**
 * Subgraph calls over HTTP (`POST` a GraphQL JSON body to the subgraph's URL), for `npm run gateway`. With `dedupe`,
 * identical requests in flight at once (same subgraph, same body) share one call: only correct when no caller
 * context reaches the subgraphs, as in the tool, which forwards no headers.
 */
export function remoteSubgraphs(supergraphSdl: string, options: { dedupe?: boolean } = {}): SubgraphFetcher {
  const urls = subgraphUrls(supergraphSdl);
  const inFlight = new Map<string, ReturnType<SubgraphFetcher>>();
  // A subgraph that cannot be reached, or answers without a GraphQL body, is an error in the answer (its fields are
  // null), as with @apollo/gateway, never a failed request.
  const call = async (url: string, body: string): ReturnType<SubgraphFetcher> => {
    let res: { status: number; text: string };
    try {
      res = await post(url, body);
    } catch (err) {
      return { errors: [{ message: `subgraph at ${url} could not be reached: ${(err as Error).message}` }] };
    }
    try {
      return JSON.parse(res.text);
    } catch {
      return { errors: [{ message: `subgraph answered HTTP ${res.status} without a GraphQL body` }] };
    }
  };
  return (service, request) => {
    const url = urls.get(service);
    if (!url) return Promise.resolve({ errors: [{ message: `no URL for subgraph ${service} in the supergraph` }] });
    const body = JSON.stringify(request);
    if (!options.dedupe) return call(url, body);
    const key = `${url}\n${body}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = call(url, body).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
}

/** Kept-alive connections to the subgraphs, per scheme. */
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * POSTs a JSON body and reads the answer as text, with node:http rather than fetch: on the public benchmark
 * (`npm run bench:gateway -- --only federation`) fetch's streams were a sixth of the gateway's time.
 */
function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const secure = url.startsWith('https:');
  return new Promise((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
