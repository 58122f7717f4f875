import { Kind, parse } from 'graphql';
import { operationId, putOperation } from '../../../core/store/operations.js';
import { createApiKey, revokeApiKey, rotateApiKey } from '../../../core/auth/keyManagement.js';
import { managingKeys } from '../apiKeys.js';
import { requestErasure } from '../../../core/privacyEngine/erasure.js';
import { badInput, isPlausibleId, requireScope } from '../../context.js';
import { withoutNulls } from '../../withoutNulls.js';
import { definitionId, preview, removeDefinition, saveDefinition, toSegment, toTagRule } from '../definitions.js';
import type { MutationResolvers } from '../types.generated.js';

export const Mutation: MutationResolvers = {
  createTagRule: async (_, { input }, ctx) => {
    requireScope(ctx, 'rules:write');
    return saveDefinition(ctx, 'tag', toTagRule(input, definitionId(input.id, input.tag), 1, ctx.now), 0);
  },
  updateTagRule: async (_, args, ctx) => {
    requireScope(ctx, 'rules:write');
    return saveDefinition(ctx, 'tag', toTagRule(args.input, args.id, args.expectedVersion + 1, ctx.now), args.expectedVersion);
  },
  deleteTagRule: async (_, args, ctx) => {
    requireScope(ctx, 'rules:write');
    return removeDefinition(ctx, 'tag', args.id);
  },
  previewTagRule: async (_, args, ctx) => {
    requireScope(ctx, 'profiles:read');
    return preview(ctx, args.expression, args.sample ?? 1000, args.asOf ?? ctx.now);
  },
  createSegment: async (_, { input }, ctx) => {
    requireScope(ctx, 'rules:write');
    return saveDefinition(ctx, 'segment', toSegment(input, definitionId(input.id, input.name), 1, ctx.now), 0);
  },
  updateSegment: async (_, args, ctx) => {
    requireScope(ctx, 'rules:write');
    return saveDefinition(ctx, 'segment', toSegment(args.input, args.id, args.expectedVersion + 1, ctx.now), args.expectedVersion);
  },
  deleteSegment: async (_, args, ctx) => {
    requireScope(ctx, 'rules:write');
    return removeDefinition(ctx, 'segment', args.id);
  },
  previewSegment: async (_, args, ctx) => {
    requireScope(ctx, 'profiles:read');
    return preview(ctx, args.expression, args.sample ?? 1000, args.asOf ?? ctx.now);
  },
  createApiKey: (_, { input }, ctx) => {
    requireScope(ctx, 'admin');
    return managingKeys(() => createApiKey(ctx.tables, withoutNulls(input), ctx.key.name, new Date(ctx.now)));
  },
  revokeApiKey: (_, { id }, ctx) => {
    requireScope(ctx, 'admin');
    return managingKeys(() => revokeApiKey(ctx.tables, id, ctx.key.name, new Date(ctx.now)));
  },
  rotateApiKey: (_, { id, graceSeconds }, ctx) => {
    requireScope(ctx, 'admin');
    return managingKeys(() => rotateApiKey(ctx.tables, id, graceSeconds ?? 0, ctx.key.name, new Date(ctx.now)));
  },
  requestErasure: (_, { userId }, ctx) => {
    requireScope(ctx, 'admin');
    if (!isPlausibleId(userId)) throw badInput('userId: 1 to 256 characters', 'userId');
    return requestErasure(ctx.tables, userId, ctx.key.name, new Date(ctx.now));
  },
  registerOperations: async (_, { queries }, ctx) => {
    requireScope(ctx, 'admin');
    if (queries.length === 0 || queries.length > 100) throw badInput('queries: 1 to 100 operations', 'queries');
    const ops = queries.map((query, i) => {
      let doc;
      try {
        doc = parse(query);
      } catch (err) {
        throw badInput(`queries.${i}: ${(err as Error).message}`, 'queries');
      }
      const name = doc.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION && d.name ? [d.name.value] : []))[0] ?? null;
      return { id: operationId(query), query, name, registeredAt: ctx.now, registeredBy: ctx.key.name };
    });
    await Promise.all(ops.map((op) => putOperation(ctx.tables.operations, op)));
    return ops.map(({ id, name }) => ({ id, name }));
  },
};
