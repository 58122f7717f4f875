import { GetCommand, paginateQuery, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import { expiresAtFor } from '../../platform/retention.js';
import type { StoredEvent } from '../../events/schema.js';
import type { Effect, EnrollmentState } from '../../journeys/types.js';
import { ifConditionHolds } from '../../store/conditional.js';

/**
 * The enrollments table (`userId`, `enrollmentId`; index `byCampaign`). An item holds one enrollment's state, its
 * optimistic-lock revision, the effects of its last step that are not yet known to be applied, and the ids of the
 * last events it has seen. State and effects are saved together in one conditional write, and only then applied:
 * a crash between the two leaves the effects pending, and whoever touches the enrollment next applies them (each
 * is idempotent by its key), so a step's effects happen once however often it is retried (docs/architecture.md,
 * "Journeys").
 */

/** An effect saved with the step that produced it, and the event time of that step. */
export interface PendingEffect {
  effect: Effect;
  asOf: string;
}

export interface StoredEnrollment {
  campaignId: string;
  version: number;
  state: EnrollmentState;
  /** Optimistic-lock revision: 1 for a new enrollment. */
  rev: number;
  pending: PendingEffect[];
  /** Ids of the most recent events that stepped this enrollment ({@link SEEN_EVENTS}), so redelivery skips them. */
  seen: string[];
  /** Events that arrived while the campaign was paused, stepped in order once it resumes (core/journeys/hold.ts). */
  held?: StoredEvent[];
}

/** Event ids an enrollment remembers. A batch is retried from its earliest failure, so a short memory suffices. */
export const SEEN_EVENTS = 50;

interface Item {
  userId: string;
  enrollmentId: string;
  campaignId: string;
  version: number;
  status: EnrollmentState['status'];
  enteredAt: string;
  convertedAt?: string;
  /** TTL (epoch seconds) of an ended enrollment. */
  expiresAt?: number;
  rev: number;
  doc: string;
}

const toItem = (e: StoredEnrollment): Item => ({
  userId: e.state.userId,
  enrollmentId: e.state.enrollmentId,
  campaignId: e.campaignId,
  version: e.version,
  status: e.state.status,
  enteredAt: e.state.enteredAt,
  ...(e.state.convertedAt ? { convertedAt: e.state.convertedAt } : {}),
  // An ended enrollment is kept for the stage's retention from its end; an active one never expires.
  ...(e.state.status !== 'ACTIVE' ? { expiresAt: expiresAtFor('enrollments', e.state.endedAt ?? e.state.enteredAt) } : {}),
  rev: e.rev,
  doc: JSON.stringify({ state: e.state, pending: e.pending, seen: e.seen, ...(e.held?.length ? { held: e.held } : {}) }),
});

function fromItem(item: Record<string, unknown>): StoredEnrollment {
  const i = item as unknown as Item;
  // Written only by saveEnrollment below.
  const doc = JSON.parse(i.doc) as Pick<StoredEnrollment, 'state' | 'pending' | 'seen' | 'held'>;
  return { campaignId: i.campaignId, version: i.version, rev: i.rev, ...doc };
}

/**
 * Saves an enrollment if its revision is still `e.rev - 1` (a new one, `rev` 1: only if absent). False when another
 * writer got there first: the caller reloads and steps again.
 *
 * @example
 * if (!(await saveEnrollment(table, { ...stored, state, pending, rev: stored.rev + 1 }))) retry();
 */
export async function saveEnrollment(table: string, e: StoredEnrollment): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({
        TableName: table,
        Item: toItem(e),
        ConditionExpression: e.rev === 1 ? 'attribute_not_exists(enrollmentId)' : 'rev = :prev',
        ...(e.rev === 1 ? {} : { ExpressionAttributeValues: { ':prev': e.rev - 1 } }),
      }),
    ),
  );
}

/** One enrollment, read consistently (it is about to be stepped), or null. */
export async function getEnrollment(table: string, userId: string, enrollmentId: string): Promise<StoredEnrollment | null> {
  const res = await dynamo().send(new GetCommand({ TableName: table, Key: { userId, enrollmentId }, ConsistentRead: true }));
  return res.Item ? fromItem(res.Item) : null;
}

/**
 * Every enrollment of a user, in any campaign (consistent: an event is about to step them).
 *
 * @example
 * const mine = await enrollmentsOfUser(table, 'u-1');
 */
export async function enrollmentsOfUser(table: string, userId: string): Promise<StoredEnrollment[]> {
  const out: StoredEnrollment[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    { TableName: table, KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': userId }, ConsistentRead: true },
  );
  for await (const page of pages) for (const item of page.Items ?? []) out.push(fromItem(item));
  return out;
}

/** Counts of a campaign's enrollments, read from the `byCampaign` index. */
export interface EnrollmentCounts {
  entered: number;
  active: number;
  completed: number;
  exited: number;
  failed: number;
  converted: number;
  /** Per node: enrollments that ever entered it (each once), and those running there now. */
  nodes: Map<string, { reached: number; active: number }>;
}

/**
 * Counts a campaign's enrollments by status and node: exact, and one index
 * query per page of 1 MB, which is fine for campaign dashboards up to about a million enrollments.
 */
export async function countEnrollments(table: string, campaignId: string): Promise<EnrollmentCounts> {
  const counts: EnrollmentCounts = { entered: 0, active: 0, completed: 0, exited: 0, failed: 0, converted: 0, nodes: new Map() };
  const nodeCount = (id: string) => counts.nodes.get(id) ?? counts.nodes.set(id, { reached: 0, active: 0 }).get(id)!;
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      IndexName: 'byCampaign',
      KeyConditionExpression: 'campaignId = :c',
      ExpressionAttributeValues: { ':c': campaignId },
      // The node and path are inside `doc`; a Query is charged for whole items whatever it projects.
      ProjectionExpression: '#s, convertedAt, doc',
      ExpressionAttributeNames: { '#s': 'status' },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      counts.entered++;
      const status = item.status as EnrollmentState['status'];
      if (status === 'ACTIVE') counts.active++;
      else if (status === 'COMPLETED') counts.completed++;
      else if (status === 'EXITED') counts.exited++;
      else counts.failed++;
      if (item.convertedAt) counts.converted++;
      const { state } = JSON.parse(item.doc as string) as Pick<StoredEnrollment, 'state'>;
      for (const id of new Set(state.path)) nodeCount(id).reached++;
      if (status === 'ACTIVE') nodeCount(state.node).active++;
    }
  }
  return counts;
}
