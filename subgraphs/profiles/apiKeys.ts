import { GraphQLError } from 'graphql';
import { KeyManagementError, type KeyTables } from '../../core/auth/keyManagement.js';
import type { RequestContext } from '../context.js';

/** The tables key management writes, from the request's. */
export const keyTables = (ctx: RequestContext): KeyTables => ({ apiKeys: ctx.tables.apiKeys, audit: ctx.tables.audit });

/** Runs a key-management call, turning its refusals into typed GraphQL errors. */
export async function managingKeys<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof KeyManagementError) throw new GraphQLError(err.message, { extensions: { code: err.code } });
    throw err;
  }
}
