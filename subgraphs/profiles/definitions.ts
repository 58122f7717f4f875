import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { check, matches, variablesRead } from '../../core/rules/index.js';
import { writeAudit } from '../../core/store/audit.js';
import { externalTagsOf } from '../../core/store/profiles.js';
import type { Segment, TagRule } from '../../core/rules/types.js';
import { deleteDefinition, putDefinition, VersionConflictError } from '../../core/store/rules.js';
import { sampleProfiles } from '../../core/store/users.js';
import { compileExpression, RULE_FUNCTIONS, RULE_VARIABLES, ruleContext, withScope } from '../../core/tagging/context.js';
import { badInput, PREVIEW_BUDGET, type RequestContext } from '../context.js';
import type { RulePreview, SegmentInput, TagRuleInput } from './types.generated.js';

/** Throws a BAD_USER_INPUT error (with the rule language's error code and position) unless `expression` checks. */
export function checkExpression(expression: string, field: string): void {
  const result = check(expression, { functions: RULE_FUNCTIONS, variables: RULE_VARIABLES });
  if (!result.ok) {
    throw new GraphQLError(result.error.message, {
      extensions: { code: 'BAD_USER_INPUT', field, ruleError: result.error.code, position: result.error.position },
    });
  }
}

const ID_PATTERN = /^[a-z0-9][a-z0-9_:-]{1,63}$/;

/** The id of a new tag rule or segment: the one given, else derived from `fallback` (its tag or name). */
export function definitionId(id: string | null | undefined, fallback: string): string {
  const chosen = (id ?? fallback).toLowerCase().replace(/[^a-z0-9_:-]+/g, '_');
  if (!ID_PATTERN.test(chosen)) throw badInput('id must be 2-64 characters of a-z, 0-9, _, : and -', 'id');
  return chosen;
}

/** Checks a tag rule input and makes the rule to store at `version`. */
export function toTagRule(input: TagRuleInput, id: string, version: number, now: string): TagRule {
  checkExpression(input.expression, 'expression');
  if (input.forEach && input.forEach !== 'interests') throw badInput('forEach supports only "interests"', 'forEach');
  if (!/^[a-z0-9_:{}-]{2,64}$/.test(input.tag)) throw badInput('tag must be 2-64 characters of a-z, 0-9, _, : and -', 'tag');
  if (input.ttlDays !== null && input.ttlDays !== undefined && (input.ttlDays < 1 || input.ttlDays > 3650)) {
    throw badInput('ttlDays must be between 1 and 3650', 'ttlDays');
  }
  return {
    id,
    tag: input.tag,
    description: input.description ?? '',
    expression: input.expression,
    ...(input.forEach ? { forEach: 'interests' as const } : {}),
    ...(input.ttlDays ? { ttlDays: input.ttlDays } : {}),
    enabled: input.enabled ?? true,
    version,
    updatedAt: now,
  };
}

/** Checks a segment input and makes the segment to store at `version`. */
export function toSegment(input: SegmentInput, id: string, version: number, now: string): Segment {
  checkExpression(input.expression, 'expression');
  return { id, name: input.name, description: input.description ?? '', expression: input.expression, version, updatedAt: now };
}

function conflict(err: unknown): never {
  if (err instanceof VersionConflictError) throw new GraphQLError(err.message, { extensions: { code: 'CONFLICT' } });
  throw err;
}

/** Audit subjects and actions of definition changes: `rule#<id>` / `segment#<id>`, `rule_created`, … */
const AUDIT_NAME = { tag: 'rule', segment: 'segment' } as const;

/** Leaves the audit entry of a rule or segment change, naming the API key (never the key itself) that made it. */
async function auditDefinition(ctx: RequestContext, kind: 'tag' | 'segment', id: string, change: string, detail: Record<string, unknown>) {
  const name = AUDIT_NAME[kind];
  await writeAudit(ctx.tables.audit, {
    subject: `${name}#${id}`,
    at: `${ctx.now}#${change}#${randomUUID()}`,
    action: `${name}_${change}`,
    detail: { by: ctx.key.name, ...detail },
  });
}

/** Saves a tag rule or segment (version-checked) and audits the change. */
export async function saveDefinition<T extends TagRule | Segment>(
  ctx: RequestContext,
  kind: 'tag' | 'segment',
  def: T,
  expectedVersion: number,
): Promise<T> {
  const saved = await putDefinition(ctx.tables.rules, kind, def, expectedVersion).catch(conflict);
  await auditDefinition(ctx, kind, def.id, expectedVersion === 0 ? 'created' : 'updated', { version: def.version, expression: def.expression });
  return saved;
}

/** Deletes a tag rule or segment and audits it when it existed. */
export async function removeDefinition(ctx: RequestContext, kind: 'tag' | 'segment', id: string): Promise<boolean> {
  const existed = await deleteDefinition(ctx.tables.rules, kind, id);
  if (existed) await auditDefinition(ctx, kind, id, 'deleted', {});
  return existed;
}

/**
 * Evaluates an expression over up to `sample` profiles at `asOf`, as the hourly sweep would, without saving
 * anything. (Not at each profile's own last event: a time-based rule such as `dormant` never matches there.)
 */
export async function preview(ctx: RequestContext, expression: string, sample: number, asOf: string): Promise<RulePreview> {
  checkExpression(expression, 'expression');
  if (!Number.isInteger(sample) || sample < 1 || sample > PREVIEW_BUDGET) throw badInput(`sample must be between 1 and ${PREVIEW_BUDGET}`, 'sample');
  // Every preview of the request draws on one budget, taken before reading, so aliased previews cannot multiply it.
  if (sample > ctx.previewBudget.remaining) {
    throw new GraphQLError(`previews in one request may sample at most ${PREVIEW_BUDGET} profiles; ${ctx.previewBudget.remaining} left`, {
      extensions: { code: 'PREVIEW_BUDGET_EXCEEDED', limit: PREVIEW_BUDGET, remaining: ctx.previewBudget.remaining },
    });
  }
  ctx.previewBudget.remaining -= sample;
  const compiled = compileExpression(expression);
  const reads = variablesRead(compiled.ast);
  let evaluated = 0;
  let matched = 0;
  const examples: string[] = [];
  for await (const stored of sampleProfiles(ctx.tables.profiles, sample)) {
    const { profile } = stored;
    evaluated++;
    if (withScope(profile, asOf, () => matches(compiled, ruleContext(profile, asOf, null, reads, externalTagsOf(stored))))) {
      matched++;
      if (examples.length < 10) examples.push(profile.userId);
    }
  }
  return { evaluated, matched, sample: examples };
}
