import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { earliestFailure } from '../../core/platform/batchResponse.js';
import { requireEnv } from '../../core/platform/env.js';
import { processBatch } from '../../core/tagging/processBatch.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import { profileEngineTables } from '../../core/tagging/tables.js';

const logger = new Logger({ serviceName: 'tagger' });
const rules = new RuleCache(requireEnv('RULES_TABLE'), Number(requireEnv('RULES_TTL_SECONDS')));

/** Kinesis `events` → profiles, tags, segments; partial batch response from the earliest failed record. */
export const handler = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
  const result = await processBatch(event.Records, profileEngineTables(), await rules.get());
  if (result.failed.length) logger.warn('records failed', { failed: result.failed.length, of: event.Records.length });
  return earliestFailure(event.Records, result.failed);
};
