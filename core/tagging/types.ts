/**
 * The tagger's vocabulary, re-exported for the layers above (subgraphs, tests): definitions live with the rule
 * language, the change record with the `changes` stream.
 */
export type { Segment, TagRule } from '../rules/types.js';
export type { ProfileChange } from '../changes/types.js';
