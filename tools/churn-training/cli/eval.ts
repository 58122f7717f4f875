/**
 * Evaluates the churn model at a cutoff against two baselines on the same customers, features and labels.
 * By default it trains on the file's own earlier cutoffs first (the same recipe as churn-train), so it measures the
 * method on fresh data; `--model PATH` evaluates a saved artifact as it is instead.
 *
 *   npx tsx tools/churn-training/cli/eval.ts [data flags] [--model PATH]
 *
 * The last stdout line is one JSON object (auc, baseline_recency_auc, baseline_logistic_auc, logloss, brier, …).
 */
import { loadModel, loadModelFile } from '../../../core/churn/model.js';
import { evaluateAtCutoff } from '../evaluate.js';
import type { BinaryReport } from '../metrics.js';
import { trainChurnModel } from '../recipe.js';
import { DATA_USAGE, loadChurnData, parseChurnArgs, stderrLogger } from './args.js';

const USAGE = `Usage: npx tsx tools/churn-training/cli/eval.ts [data flags] [--model PATH] [--quiet]
Without --model: trains on the data's earlier cutoffs, then evaluates at --cutoff.
With --model: evaluates that saved artifact as it is.
${DATA_USAGE}`;

const r4 = (v: number) => Math.round(v * 1e4) / 1e4;

function table(rows: [string, BinaryReport][]): string {
  const head = `${'model'.padEnd(22)}${'AUC'.padStart(8)}${'logloss'.padStart(9)}${'Brier'.padStart(8)}${'lift@10%'.padStart(10)}`;
  const lines = rows.map(([name, r]) =>
    `${name.padEnd(22)}${r.auc.toFixed(4).padStart(8)}${r.logloss.toFixed(4).padStart(9)}${r.brier.toFixed(4).padStart(8)}${r.lift_top_decile.toFixed(3).padStart(10)}`);
  return [head, ...lines].join('\n');
}

function calibration(name: string, r: BinaryReport): string {
  const lines = r.calibration.map((b) =>
    `  ${String(b.decile).padStart(6)}${String(b.count).padStart(7)}${b.meanPredicted.toFixed(3).padStart(11)}${b.observedRate.toFixed(3).padStart(10)}`);
  return [`Calibration by decile (${name}):`, `  decile  count  predicted  observed`, ...lines].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseChurnArgs(process.argv.slice(2), { model: { type: 'string' }, quiet: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = stderrLogger(values.quiet === true);
  const data = await loadChurnData(values, log, 'evaluation');
  let model;
  if (values.model) {
    model = await loadModelFile(values.model);
    if (typeof values['horizon-days'] === 'string' && model.ctx.horizonDays !== data.horizonDays) {
      throw new Error(`--horizon-days ${data.horizonDays} but the model predicts a ${model.ctx.horizonDays}-day horizon`);
    }
    log(`evaluating saved model ${model.version} (trained for cutoff ${model.artifact.training.evaluationCutoff})`);
  } else {
    const artifact = trainChurnModel({
      orders: data.orders, evaluationAsOf: data.asOf, horizonDays: data.horizonDays, dataFile: data.dataFile,
      dataSha256: data.dataSha256, log,
    });
    model = loadModel(artifact);
  }
  const h = model.ctx.horizonDays;
  log(`scoring at cutoff ${data.cutoff}`);
  const ev = evaluateAtCutoff(model, data.orders, data.asOf);

  const out = process.stdout;
  out.write(`Churn evaluation — ${data.dataFile}, cutoff ${data.cutoff} (end of day UTC), horizon ${h} days\n`);
  out.write(`Model ${model.version}, trained on cutoffs ${model.artifact.training.trainingCutoffs.join(', ')} (${model.artifact.training.rows} rows)\n`);
  out.write(`Scored customers: ${ev.n}, churned: ${(100 * ev.churnRate).toFixed(1)}%\n\n`);
  out.write(`${table([
    ['model (gbm+logistic)', ev.model],
    ['  gbm half alone', ev.gbm],
    ['baseline: logistic', ev.logistic],
    ['baseline: recency', ev.recency],
  ])}\n\n`);
  out.write(`${calibration('model', ev.model)}\n\n`);
  out.write(`${calibration('baseline: logistic', ev.logistic)}\n\n`);
  out.write(`${calibration('baseline: recency', ev.recency)}\n\n`);
  const pick = (r: BinaryReport, prefix: string) => ({
    [`${prefix}auc`]: r4(r.auc), [`${prefix}logloss`]: r4(r.logloss), [`${prefix}brier`]: r4(r.brier), [`${prefix}lift_top_decile`]: r4(r.lift_top_decile),
  });
  out.write(`${JSON.stringify({
    data: data.dataFile,
    cutoff: data.cutoff,
    horizon_days: h,
    mode: values.model ? 'saved-model' : 'train-then-evaluate',
    model_version: model.version,
    training_cutoffs: model.artifact.training.trainingCutoffs,
    n: ev.n,
    churn_rate: r4(ev.churnRate),
    ...pick(ev.model, ''),
    ...pick(ev.logistic, 'baseline_logistic_'),
    ...pick(ev.recency, 'baseline_recency_'),
    gbm_only_auc: r4(ev.gbm.auc),
  })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`churn-eval: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
