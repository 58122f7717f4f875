/**
 * The standalone experiments' use cases behind GraphQL: create, move through DRAFT → RUNNING → STOPPED, assign a
 * user (recording the exposure), and analyse. The resolvers stay thin; every rule lives here or in
 * core/experiments.
 */
import * as z from 'zod';
import { assign, newExperiment, overlapping, type Assignment, type Experiment, type ExperimentInput, type ExperimentStatus } from '../experiments/definition.js';
import { ExperimentInputError } from '../experiments/stats/errors.js';
import type { PValueCorrection, StatsEngine } from '../experiments/stats/types.js';
import { analyzeUnits, UnitSummary, type ExperimentResults } from '../experiments/units.js';
import { fnv1a32 } from '../experiments/hash.js';
import { emitEvents } from '../journeyEngine/emit.js';
import { getExperiment, listExperiments, putNewExperiment, replaceExperiment } from './store/experiments.js';
import { forEachUnit } from './store/units.js';

/** A write that lost to another (a key taken, a concurrent status change, an overlapping layer slice). */
export class ExperimentConflictError extends Error {}

export interface ExperimentTables {
  experiments: string;
  experimentUnits: string;
}

/** The allowed status moves. */
const NEXT: Record<ExperimentStatus, readonly ExperimentStatus[]> = { DRAFT: ['RUNNING'], RUNNING: ['STOPPED'], STOPPED: [] };

function checkedInput(input: ExperimentInput, now: string): Experiment {
  try {
    return newExperiment(input, now);
  } catch (err) {
    if (err instanceof z.ZodError) {
      const issue = err.issues[0]!;
      throw new ExperimentInputError(`${issue.path.join('.') || 'input'}: ${issue.message}`);
    }
    throw err;
  }
}

async function checkLayer(table: string, e: Experiment): Promise<void> {
  const clash = overlapping(e, await listExperiments(table));
  if (clash.length) throw new ExperimentConflictError(`the ${e.namespace!.name} layer slice overlaps experiment ${clash[0]!.id}'s`);
}

/**
 * Stores a new draft experiment; bad input is an ExperimentInputError, a taken key or an overlapping layer slice an
 * ExperimentConflictError.
 *
 * @example
 * const e = await createExperiment(tables, { key: 'cta', name: 'CTA', variants: [{ key: 'a' }, { key: 'b' }], metrics, startAt }, now);
 */
export async function createExperiment(tables: ExperimentTables, input: ExperimentInput, now: string): Promise<Experiment> {
  const e = checkedInput(input, now);
  await checkLayer(tables.experiments, e);
  if (!(await putNewExperiment(tables.experiments, e))) throw new ExperimentConflictError(`experiment ${e.key} exists`);
  return e;
}

/**
 * Moves an experiment to `status`; null when it does not exist. Starting checks the layer again (another
 * experiment may have taken the slice since); stopping ends exposures now unless stopAt is already earlier.
 */
export async function setExperimentStatus(tables: ExperimentTables, id: string, status: ExperimentStatus, now: string): Promise<Experiment | null> {
  const current = await getExperiment(tables.experiments, id);
  if (!current) return null;
  if (!NEXT[current.status].includes(status)) throw new ExperimentInputError(`a ${current.status} experiment cannot become ${status}`);
  const next: Experiment = { ...current, status, updatedAt: now };
  if (status === 'RUNNING') await checkLayer(tables.experiments, next);
  if (status === 'STOPPED' && (current.stopAt === undefined || current.stopAt > now)) next.stopAt = now;
  if (!(await replaceExperiment(tables.experiments, current, next))) throw new ExperimentConflictError(`experiment ${id} changed meanwhile; try again`);
  return next;
}

/** The exposure's event id: one per experiment and user, so repeated assignments are one exposure downstream. */
const exposureEventId = (experimentId: string, userId: string) =>
  `xv-${fnv1a32(`${experimentId}\u0000${userId}`).toString(36)}${fnv1a32(`${userId}\u0000${experimentId}`).toString(36)}`;

/**
 * The user's variation, with the exposure recorded as an `experiment_viewed` event on the events stream (as a
 * GrowthBook SDK's tracking callback would send it) when the user is in the experiment.
 *
 * @example
 * const a = await assignAndExpose(stream, experiment, 'u-42', Date.now()); // a.variation: 0, 1, … or −1
 */
export async function assignAndExpose(eventsStream: string, e: Experiment, userId: string, nowMs: number): Promise<Assignment> {
  const a = assign(e, userId, nowMs);
  if (a.variation >= 0) {
    await emitEvents(
      eventsStream,
      [
        {
          type: 'track',
          event: 'experiment_viewed',
          eventId: exposureEventId(e.id, userId),
          userId,
          timestamp: new Date(nowMs).toISOString(),
          properties: { experimentId: e.id, variationId: a.variation, variationKey: e.variants[a.variation]!.key },
        },
      ],
      nowMs,
      'experiments',
    );
  }
  return a;
}

/**
 * The experiment's analysis over all its units (read page by page).
 *
 * @example
 * const r = await experimentResults(tables, e, { engine: 'FREQUENTIST', correction: 'HOLM_BONFERRONI' });
 */
export async function experimentResults(
  tables: ExperimentTables,
  e: Experiment,
  options: { engine: StatsEngine; correction?: PValueCorrection; sequential?: boolean },
): Promise<ExperimentResults> {
  const summary = new UnitSummary(e);
  await forEachUnit(tables.experimentUnits, e.id, (u) => summary.add(u));
  return analyzeUnits(e, summary, options);
}
