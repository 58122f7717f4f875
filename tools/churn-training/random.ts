/** A small seeded PRNG (mulberry32) so training and synthetic data are reproducible bit for bit: the one in core. */
export { mulberry32 } from '../../core/experiments/random.js';
