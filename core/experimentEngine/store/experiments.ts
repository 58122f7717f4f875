import { GetCommand, paginateScan, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { dynamo } from '../../aws/clients.js';
import { experimentMetricSchema, experimentStatusSchema, type Experiment } from '../../experiments/definition.js';
import { ifConditionHolds } from '../../store/conditional.js';

/** The stored shape, checked on every read: items come from this module only, but a table can be edited by hand. */
const storedSchema = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string().optional(),
  status: experimentStatusSchema,
  variants: z.array(z.object({ key: z.string(), name: z.string(), weight: z.number() })).min(2),
  coverage: z.number(),
  seed: z.string(),
  namespace: z.object({ name: z.string(), start: z.number(), end: z.number() }).optional(),
  metrics: z.array(experimentMetricSchema),
  guardrails: z.array(experimentMetricSchema),
  startAt: z.string(),
  stopAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<Experiment>;

const parse = (item: unknown): Experiment => storedSchema.parse(item);

/**
 * Stores a new experiment; false when one with its key exists (keys are unique: they are the tracking key SDKs send).
 *
 * @example
 * if (!(await putNewExperiment(tables.experiments, e))) throw conflict(`experiment ${e.key} exists`);
 */
export function putNewExperiment(table: string, e: Experiment): Promise<boolean> {
  return ifConditionHolds(() => dynamo().send(new PutCommand({ TableName: table, Item: e, ConditionExpression: 'attribute_not_exists(id)' })));
}

/** One experiment by id (its key), or null. */
export async function getExperiment(table: string, id: string): Promise<Experiment | null> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { id } }));
  return res.Item ? parse(res.Item) : null;
}

/** Every experiment, in scan order. */
export async function listExperiments(table: string): Promise<Experiment[]> {
  const all: Experiment[] = [];
  for await (const page of paginateScan({ client: dynamo() }, { TableName: table })) for (const item of page.Items ?? []) all.push(parse(item));
  return all;
}

/**
 * Replaces an experiment if it is still as `expected` left it (same `updatedAt`): a status change never overwrites
 * a concurrent one. False on a conflict.
 */
export function replaceExperiment(table: string, expected: Experiment, next: Experiment): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: table,
        Item: next,
        ConditionExpression: 'updatedAt = :u AND #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':u': expected.updatedAt, ':s': expected.status },
      }),
    ),
  );
}
