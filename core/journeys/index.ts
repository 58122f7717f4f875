/** The pure core of the journey engine: documents, validation, templates, the interpreter and the send guards. */
export * from './schema.js';
export * from './problems.js';
export { validateJourney, parseJourney } from './validate.js';
export { parseDuration, addDuration, MAX_DURATION_DAYS, type Duration } from './duration.js';
export { checkCondition, evaluateCondition, CONDITION_VARIABLES, type ConditionScope, type ProfileView } from './conditions.js';
export { checkTemplate, renderTemplate, FIXED_PLACEHOLDERS, type TemplateProblem, type TemplateData } from './templating.js';
export { instantiateTemplate, listTemplates, TEMPLATE_IDS, type JourneyTemplate } from './templates.js';
export { JourneyTemplateError, type JourneyTemplateErrorCode } from './errors.js';
export { fnv1a32, hashUnit, pickBranch, splitSeed } from './assign.js';
export { effectKey, goalKey, couponCode } from './keys.js';
export * from './types.js';
export { step, MAX_IMMEDIATE_STEPS, type StepInput, type StepResult } from './step.js';
export { reactsTo, HELD_EVENTS } from './hold.js';
export {
  matchesTrigger,
  inAudience,
  canEnroll,
  enrollmentIdFor,
  newEnrollment,
  startEnrollment,
  type TriggerSignal,
  type PastEnrollment,
} from './enroll.js';
export * from './guards.js';
export { quietHoursEnd, isTimeZone, type QuietHours } from './quietHours.js';
export { findBannedTerms, DEFAULT_LEXICON, type LexiconTerm, type TermCategory, type TermMatch } from './compliance.js';
export { simulateJourney, type Simulation, type SimulatedStep, type GuardVerdict } from './simulate.js';
