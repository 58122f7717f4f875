/** Public surface of the experiments statistics engine. */
export { analyzeExperiment } from './analyze.js';
export { correctAcrossMetrics, adjustPValues, adjustHolmBonferroni, adjustBenjaminiHochberg } from './corrections.js';
export type { IndexedPValue } from './corrections.js';
export { srmPValue, SRM_THRESHOLD } from './srm.js';
export { twoSidedTTest } from './frequentist.js';
export { sequentialTTest, sequentialRho } from './sequential.js';
export { bayesianTest, gaussianRisk, FLAT_PRIOR } from './bayesian.js';
export { computeTheta, cupedPair, adjustedMoments } from './cuped.js';
export { sampleMean, proportion, momentsOf } from './moments.js';
export { ExperimentInputError } from './errors.js';
export type * from './types.js';
