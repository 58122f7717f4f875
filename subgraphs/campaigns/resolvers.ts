import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GraphQLError } from 'graphql';
import { dynamo } from '../../core/aws/clients.js';
import { badInput, requireScope, type RequestContext } from '../context.js';

type Status = 'DRAFT' | 'ACTIVE' | 'PAUSED' | 'ENDED';

/** Allowed status moves: an ended campaign stays ended. */
const TRANSITIONS: Record<Status, Status[]> = {
  DRAFT: ['ACTIVE', 'ENDED'],
  ACTIVE: ['PAUSED', 'ENDED'],
  PAUSED: ['ACTIVE', 'ENDED'],
  ENDED: [],
};

export const resolvers = {
  Query: {
    campaigns: async (_: unknown, __: unknown, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const res = await dynamo().send(new ScanCommand({ TableName: ctx.tables.campaigns, ExclusiveStartKey: start }));
        items.push(...(res.Items ?? []));
        start = res.LastEvaluatedKey;
      } while (start);
      return items.sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
    },
    campaign: async (_: unknown, args: { id: string }, ctx: RequestContext) => {
      requireScope(ctx, 'profiles:read');
      return (await dynamo().send(new GetCommand({ TableName: ctx.tables.campaigns, Key: { id: args.id } }))).Item ?? null;
    },
  },
  Mutation: {
    createCampaign: async (_: unknown, { input }: { input: { name: string; channel: string; segmentId: string } }, ctx: RequestContext) => {
      requireScope(ctx, 'campaigns:write');
      if (!input.name.trim()) throw badInput('name must not be empty', 'name');
      if (!/^[a-z][a-z0-9_-]{1,31}$/.test(input.channel)) throw badInput('channel must be a short lower-case name such as email', 'channel');
      const segments = await ctx.segments();
      if (!segments.some((s) => s.id === input.segmentId)) throw badInput(`segment ${input.segmentId} does not exist`, 'segmentId');
      const item = { id: randomUUID(), ...input, status: 'DRAFT', createdAt: ctx.now, updatedAt: ctx.now };
      await dynamo().send(new PutCommand({ TableName: ctx.tables.campaigns, Item: item }));
      return item;
    },
    setCampaignStatus: async (_: unknown, args: { id: string; status: Status }, ctx: RequestContext) => {
      requireScope(ctx, 'campaigns:write');
      const current = (await dynamo().send(new GetCommand({ TableName: ctx.tables.campaigns, Key: { id: args.id } }))).Item;
      if (!current) throw new GraphQLError(`campaign ${args.id} does not exist`, { extensions: { code: 'NOT_FOUND' } });
      const from = current.status as Status;
      if (!TRANSITIONS[from].includes(args.status)) {
        throw new GraphQLError(`a ${from} campaign cannot become ${args.status}`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      const res = await dynamo().send(
        new UpdateCommand({
          TableName: ctx.tables.campaigns,
          Key: { id: args.id },
          UpdateExpression: 'SET #s = :s, updatedAt = :u',
          ConditionExpression: '#s = :from',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': args.status, ':u': ctx.now, ':from': from },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return res.Attributes;
    },
  },
};
