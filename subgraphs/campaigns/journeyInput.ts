import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { parseJourney, type Journey } from '../../core/journeys/index.js';
import type { Campaign } from '../../core/journeyEngine/store/campaigns.js';
import { badInput, type RequestContext } from '../context.js';

/**
 * A journey document from a client, checked: every problem goes back at once in `extensions.problems` (path, code,
 * message) under BAD_USER_INPUT, and a segment trigger must name a segment that exists.
 */
export async function checkedJourney(doc: unknown, ctx: RequestContext): Promise<Journey> {
  const r = parseJourney(doc);
  if (!r.ok) {
    throw new GraphQLError(`the journey has ${r.problems.length} problem(s): ${r.problems[0]!.path} ${r.problems[0]!.message}`, {
      extensions: { code: 'BAD_USER_INPUT', field: 'journey', problems: r.problems },
    });
  }
  const t = r.journey.trigger;
  if (t.kind === 'SEGMENT_ENTERED' || t.kind === 'SEGMENT_EXITED' || t.kind === 'SCHEDULE') {
    const segments = await ctx.segments();
    if (!segments.some((s) => s.id === t.segment)) throw badInput(`segment ${t.segment} does not exist`, 'journey.trigger.segment');
  }
  return r.journey;
}

/** Checks a campaign's name and description. */
export function checkedNames(input: { name: string; description?: string | null }): { name: string; description?: string } {
  const name = input.name.trim();
  if (!name) throw badInput('name must not be empty', 'name');
  if (name.length > 200) throw badInput('name is at most 200 characters', 'name');
  if (input.description && input.description.length > 2000) throw badInput('description is at most 2000 characters', 'description');
  return { name, ...(input.description ? { description: input.description } : {}) };
}

/** A new DRAFT campaign at version 1. */
export function newCampaign(names: { name: string; description?: string }, journey: Journey, now: string): Campaign {
  return { id: randomUUID(), ...names, status: 'DRAFT', version: 1, journey, createdAt: now, updatedAt: now };
}
