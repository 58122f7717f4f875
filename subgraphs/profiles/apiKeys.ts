import { GraphQLError } from 'graphql';
import { KeyManagementError } from '../../core/auth/keyManagement.js';

/** Runs a key-management call, turning its refusals into typed GraphQL errors. */
export async function managingKeys<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof KeyManagementError) throw new GraphQLError(err.message, { extensions: { code: err.code } });
    throw err;
  }
}
