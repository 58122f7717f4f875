import { DEFAULT_LEXICON } from '../../../core/journeys/compliance.js';
import type { JourneySettingsResolvers } from '../types.generated.js';

export const JourneySettings: JourneySettingsResolvers = {
  defaultTerms: () => DEFAULT_LEXICON.map((t) => t.term),
};
