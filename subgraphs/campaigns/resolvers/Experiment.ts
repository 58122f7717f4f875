import { experimentResults } from '../../../core/experimentEngine/manage.js';
import type { ExperimentMetricDefinitionResolvers, ExperimentMetricResultResolvers, ExperimentResolvers } from '../types.generated.js';

export const Experiment: ExperimentResolvers = {
  analysis: (e, args, ctx) =>
    experimentResults(ctx.tables, e, { engine: args.engine ?? 'BAYESIAN', correction: args.correction ?? 'NONE', sequential: args.sequential ?? false }),
};

export const ExperimentMetricDefinition: ExperimentMetricDefinitionResolvers = {
  inverse: (m) => m.inverse ?? false,
};

export const ExperimentMetricResult: ExperimentMetricResultResolvers = {
  name: (r) => r.metric.name,
  kind: (r) => r.metric.kind,
};
