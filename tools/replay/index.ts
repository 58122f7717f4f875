/**
 * The Online Retail replay: replays the UCI Online Retail file through the real ingest path (`POST /v1/events`)
 * as a client would: plan the events from the CSV, send them in event-time order in batches with a few concurrent
 * requests, retry what the server asks to be retried, keep a resumable checkpoint, and wait until the tagger has
 * caught up.
 *
 * Business rules of the replay (`verify.ts` computes the expected profiles with the same rules and its own code;
 * keep the two in step):
 * - line items are grouped into invoices by (CustomerID, InvoiceNo); every row counts as it is, duplicates too;
 * - money is summed exactly in thousandths of a pound (Σ Quantity × UnitPrice), and an invoice's amount is the
 *   absolute total rounded half-up to whole pence;
 * - an invoice whose number starts with `C` is a cancellation → `order_refunded` of the amount;
 * - any other invoice with a positive total → `order_completed`; with a negative total (bad-debt adjustments)
 *   → `order_refunded`; with a zero total (free samples, stock write-offs) → no event, counted in the plan stats;
 * - the invoice time is its earliest row's `InvoiceDate`, read as UTC (as `tools/data/transactions.ts` does);
 * - each customer gets one `identify` with `traits.country` at their first row's time (every invoice counts,
 *   zero-total ones too), carrying that row's country;
 * - rows without a CustomerID are guest checkouts: each guest invoice is its own anonymous visitor
 *   `guest-<InvoiceNo>` (profile `anon:guest-<InvoiceNo>`), with no identify;
 * - event ids are deterministic (`invoice-<InvoiceNo>`, `identify-<CustomerID>`), so a resend is a no-op.
 *
 * The steps, one file each: `read.ts` (the CSV into invoices), `plan.ts` (invoices into events), `send.ts`
 * (batches through `POST /v1/events`, with `checkpoint.ts`), `wait.ts` (until the tagger has caught up, with
 * progress from sampled profiles), `verify.ts` (expected profiles computed independently, compared through
 * GraphQL), `progress.ts` (the bar) and `run.ts` (all of it in one call). `cli.ts` is `npm run replay`.
 * How events flow from ingest to the tagger: docs/architecture.md.
 */
export { ONLINE_RETAIL_CSV as DEFAULT_CSV, REPO_ROOT } from '../data/onlineRetail.js';
export { describeFile, readInvoices, type Invoice, type InvoiceFile, type Line, type ReadStats } from './read.js';
export { DEFAULT_MAX_PRODUCTS, planReplay, type PlanStats, type ReplayPlan, type ReplayPlanOptions } from './plan.js';
export { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
export { batchesOf, ReplayError, sendPlan, type Batch, type SendOptions, type SendResult } from './send.js';
export {
  graphql, progressProbesOf, sampleProgress, sentinelsOf, waitForSentinels, type ProgressProbe, type Sentinel, type WaitOptions,
} from './wait.js';
export { ProgressBar } from './progress.js';
export { runReplay, type ReplayOptions, type ReplaySummary } from './run.js';
