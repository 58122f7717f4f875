/**
 * Trains the churn model on a transactions file's earlier cutoffs (the protocol in shared/data/README.md) and
 * writes the versioned JSON artifact.
 *
 *   npx tsx tools/churn-training/cli/train.ts [data flags] [--out models/churn-model.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { trainChurnModel } from '../recipe.js';
import { DATA_USAGE, loadChurnData, parseChurnArgs, REPO_ROOT, stderrLogger } from './args.js';

const USAGE = `Usage: npx tsx tools/churn-training/cli/train.ts [data flags] [--out PATH] [--quiet]
Trains on the cutoffs whose 90-day label windows end on or before --cutoff and writes the model artifact
(default models/churn-model.json).
${DATA_USAGE}`;

async function main(): Promise<void> {
  const { values } = parseChurnArgs(process.argv.slice(2), { out: { type: 'string' }, quiet: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = stderrLogger(values.quiet === true);
  const data = await loadChurnData(values, log, 'training');
  const where = data.csv.where?.map((w) => `${w.column}${w.negate ? '!=' : '='}${w.value}`);
  const artifact = trainChurnModel({
    orders: data.orders, evaluationAsOf: data.asOf, horizonDays: data.horizonDays, dataFile: data.dataFile,
    dataSha256: data.dataSha256, log, metadata: where && where.length > 0 ? { where } : undefined,
  });
  const out = resolve(values.out ?? resolve(REPO_ROOT, 'models/churn-model.json'));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(artifact)}\n`);
  log(`wrote ${out}`);
  process.stdout.write(`${JSON.stringify({ model: out, version: artifact.version, cutoff: data.cutoff, training_rows: artifact.training.rows, training_cutoffs: artifact.training.trainingCutoffs })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`churn-train: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
