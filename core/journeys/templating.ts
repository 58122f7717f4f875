import { STAT_NAMES, statsFields } from '../profile/stats.js';
import type { Profile } from '../profile/types.js';

/**
 * Message templating: `{{traits.name}}`, `{{stats.orders}}`, `{{user.id}}`, `{{coupon.code}}`, each with an
 * optional fallback after a bar (`{{traits.name|there}}`). Deliberately tiny: no expressions and no loops, so a
 * template cannot run code, and every placeholder can be checked when the journey is saved.
 */

/** Fixed placeholders besides `traits.*` and `stats.*`. */
export const FIXED_PLACEHOLDERS = ['user.id', 'coupon.code'] as const;

const PLACEHOLDER = /\{\{\s*([^{}|]*?)\s*(?:\|([^{}]*))?\}\}/g;
const TRAIT = /^traits\.[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const STATS: ReadonlySet<string> = new Set(STAT_NAMES.map((s) => `stats.${s}`));

/** One problem found in a template: the placeholder (or fragment) and why. */
export interface TemplateProblem {
  code: 'UNKNOWN_PLACEHOLDER' | 'BAD_TEMPLATE';
  placeholder: string;
  message: string;
}

const known = (name: string) => TRAIT.test(name) || STATS.has(name) || (FIXED_PLACEHOLDERS as readonly string[]).includes(name);

/**
 * Every problem in a template: unknown placeholders, and braces that do not form one.
 *
 * @example
 * checkTemplate('Hi {{traits.name}}, {{nope}}') // [{ code: 'UNKNOWN_PLACEHOLDER', placeholder: 'nope', ... }]
 */
export function checkTemplate(text: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    if (!known(name)) {
      problems.push({
        code: 'UNKNOWN_PLACEHOLDER',
        placeholder: name,
        message: `Unknown placeholder '{{${name}}}': use traits.<name>, stats.<${STAT_NAMES.join('|')}>, ${FIXED_PLACEHOLDERS.join(' or ')}`,
      });
    }
  }
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    problems.push({ code: 'BAD_TEMPLATE', placeholder: rest.includes('{{') ? '{{' : '}}', message: 'Unbalanced {{ or }} in the template' });
  }
  return problems;
}

/** What a template may read. */
export interface TemplateData {
  profile: Profile;
  asOf: string;
  couponCode?: string;
}

const text = (v: unknown): string | null => {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.round(v * 100) / 100) : null;
  return typeof v === 'string' || typeof v === 'boolean' ? String(v) : null;
};

/**
 * Fills a template from the profile at `asOf`. A missing value renders as its fallback, or as nothing: a send is
 * never blocked by a missing trait.
 *
 * @example
 * renderTemplate('Hi {{traits.name|there}}', { profile, asOf }) // 'Hi Li' or 'Hi there'
 */
export function renderTemplate(template: string, data: TemplateData): string {
  return template.replace(PLACEHOLDER, (_all, name: string, fallback: string | undefined) => {
    let value: string | null = null;
    if (name.startsWith('traits.')) {
      const key = name.slice(7);
      value = Object.hasOwn(data.profile.traits, key) ? text(data.profile.traits[key]) : null;
    } else if (STATS.has(name)) {
      const field = name.slice(6);
      value = text((statsFields(data.profile, data.asOf, [field]) as Record<string, unknown>)[field]);
    } else if (name === 'user.id') {
      value = data.profile.userId;
    } else if (name === 'coupon.code') {
      value = data.couponCode ?? null;
    }
    return value ?? (fallback ?? '').trim();
  });
}
