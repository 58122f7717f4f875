/**
 * The floor of the graphql function's init on this machine (`npm run bench:gateway -- --only lambda`): a handler
 * that does only its first storage call (the API key's GetItem, with the same store function and shared client)
 * and answers. Bundled and started exactly as the graphql function is, so the difference is what the function
 * itself loads.
 */
import { hashKey } from '../core/auth/apiKeys.js';
import { requireEnv } from '../core/platform/env.js';
import { getApiKeyItem } from '../core/store/apiKeys.js';

export async function handler(event: { headers: Record<string, string | undefined> }): Promise<{ statusCode: number; body: string }> {
  const item = await getApiKeyItem(requireEnv('API_KEYS_TABLE'), hashKey(event.headers['x-api-key'] ?? ''));
  return { statusCode: 200, body: JSON.stringify({ data: { found: item !== undefined } }) };
}
