/**
 * Redaction of free text (`message_received.text`) before it is stored: card numbers, email addresses and phone
 * numbers become `[card]`, `[email]` and `[phone]`.
 */

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** 13 to 19 digits, optionally grouped by spaces or dashes: the shapes card numbers are written in. */
const CARD = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g;
/** A run of digits with the separators phone numbers are written with, optionally after `+`. */
const PHONE = /(?<![\w+])\+?(?:\(?\d[\d ().-]{5,}\d)(?!\w)/g;

/** The Luhn checksum every card number passes (and most other long digit runs fail). */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * The text with card numbers (Luhn-valid), emails and phone numbers redacted.
 *
 * @example
 * redactText('card 4111 1111 1111 1111, mail ann@example.com, call +44 20 7946 0958')
 * // 'card [card], mail [email], call [phone]'
 */
export function redactText(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(CARD, (m) => (luhn(m.replace(/\D/g, '')) ? '[card]' : m))
    .replace(PHONE, (m) => {
      // 9 to 15 digits (7 after a +): a date such as 2026-12-03 (8 digits) is not a phone number.
      const digits = m.replace(/\D/g, '').length;
      return digits <= 15 && digits >= (m.startsWith('+') ? 7 : 9) ? '[phone]' : m;
    });
}
