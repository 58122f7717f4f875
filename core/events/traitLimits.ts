/**
 * Caps on what one event may set on a profile: checked per item at ingest, and kept by the fold over time
 * (the whole table of profile caps is in core/profile/limits.ts and the README).
 */

/** Distinct trait keys a profile holds, and an event may carry. */
export const MAX_TRAITS = 100;
/** Longest trait key, in characters. */
export const MAX_TRAIT_KEY_LENGTH = 128;
/** Largest single trait value, in bytes of JSON. */
export const MAX_TRAIT_VALUE_BYTES = 1024;
/** All traits of a profile (or of one event) together, in bytes of JSON. */
export const MAX_TRAITS_BYTES = 16 * 1024;
/** Consent purposes a profile holds, and an event may carry (`traits.consent`). */
export const MAX_CONSENT_PURPOSES = 32;
/** Longest consent purpose, in characters. */
export const MAX_CONSENT_PURPOSE_LENGTH = 64;
