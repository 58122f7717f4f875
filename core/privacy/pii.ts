/**
 * Which traits are personal data, and how they are masked for readers without `profiles:pii`
 * (docs/architecture.md, "Personal data"). Keys match case-insensitively in snake, camel and kebab case:
 * `first_name`, `firstName` and `First-Name` are one key.
 */

/** The default classification; a stage adds its own (`piiTraits` in infra/stages.ts, `PII_TRAITS` locally). */
export const DEFAULT_PII_TRAITS = [
  'email',
  'email_address',
  'phone',
  'phone_number',
  'mobile',
  'name',
  'first_name',
  'last_name',
  'full_name',
  'address',
  'street',
  'street_address',
  'postal_code',
  'postcode',
  'zip',
  'birthday',
  'birth_date',
  'date_of_birth',
  'dob',
  'national_id',
  'ssn',
  'social_security_number',
  'passport',
  'passport_number',
  'tax_id',
  'id_number',
  'ip',
] as const;

/** What a masked value reads as. */
export const MASKED = '[masked]';

const normalise = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * A classifier of keys: the defaults plus `extra` (a stage's list).
 *
 * @example
 * const isPii = piiClassifier(['loyalty_card']);
 * isPii('firstName') // true
 * isPii('LoyaltyCard') // true
 * isPii('plan') // false
 */
export function piiClassifier(extra: readonly string[] = []): (key: string) => boolean {
  const keys = new Set([...DEFAULT_PII_TRAITS, ...extra].map(normalise).filter(Boolean));
  return (key) => keys.has(normalise(key));
}

/** A stage's extra PII keys from `PII_TRAITS` (comma-separated). */
export const piiTraitsFromEnv = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * A JSON value with the value of every PII key replaced by {@link MASKED}, at any depth, and the paths masked.
 * Arrays are walked; anything that is not an object is returned as it is.
 *
 * @example
 * maskPii({ plan: 'pro', address: { city: 'Leeds' }, kids: [{ firstName: 'A' }] }, piiClassifier())
 * // { value: { plan: 'pro', address: '[masked]', kids: [{ firstName: '[masked]' }] }, paths: ['address', 'kids.0.firstName'] }
 */
export function maskPii(value: unknown, isPii: (key: string) => boolean, path = ''): { value: unknown; paths: string[] } {
  if (Array.isArray(value)) {
    const paths: string[] = [];
    const out = value.map((v, i) => {
      const r = maskPii(v, isPii, path ? `${path}.${i}` : String(i));
      paths.push(...r.paths);
      return r.value;
    });
    return { value: out, paths };
  }
  if (value === null || typeof value !== 'object') return { value, paths: [] };
  const out: Record<string, unknown> = {};
  const paths: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const here = path ? `${path}.${k}` : k;
    if (isPii(k) && v !== null && v !== undefined) {
      out[k] = MASKED;
      paths.push(here);
    } else {
      const r = maskPii(v, isPii, here);
      out[k] = r.value;
      paths.push(...r.paths);
    }
  }
  return { value: out, paths };
}
