// Ticket numbers (SPEC §5): YYYYMMDD (registration day, Asia/Shanghai) + 6 random digits + one
// Damm check digit over the first 14, 15 digits in all. Digits only so they read well over the
// phone and type on a keypad; the check digit lets us answer "please re-check the number" before
// touching the database.
//
// The random part is an argument, not generated here, so this module stays pure: the caller
// draws it from a CSPRNG (sequential numbers would let anyone enumerate tickets).

import { epochDayToLocalDate, shanghaiEpochDay } from './local-date.js';

/**
 * Damm's weakly totally anti-symmetric quasigroup of order 10. Unlike Luhn it catches every
 * single-digit substitution AND every adjacent transposition, the two errors people make when
 * reading numbers aloud or typing them.
 */
export const DAMM_TABLE: readonly (readonly number[])[] = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

const ASCII_DIGITS_RE = /^[0-9]+$/;
const TICKET_NO_RE = /^[0-9]{15}$/;
const RANDOM_PART_RE = /^[0-9]{6}$/;

/** Check digit for a string of ASCII digits: appending it makes the Damm interim digit 0. */
export function dammCheckDigit(digits: string): number {
  if (!ASCII_DIGITS_RE.test(digits)) {
    throw new RangeError('dammCheckDigit expects a non-empty string of ASCII digits');
  }
  let interim = 0;
  for (let i = 0; i < digits.length; i++) {
    interim = DAMM_TABLE[interim][digits.charCodeAt(i) - 48];
  }
  return interim;
}

/** `YYYYMMDD` of the Asia/Shanghai day containing `instant` (the ticket's date prefix). */
export function shanghaiDateKey(instant: Date): string {
  const { year, month, day } = epochDayToLocalDate(shanghaiEpochDay(instant));
  // A five-digit or negative year would silently produce a number of the wrong length.
  if (year < 1000 || year > 9999) throw new RangeError(`year ${year} cannot prefix a ticket number`);
  return `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`;
}

/** The 15-digit ticket number for a registration instant and a 6-digit random part. */
export function generateTicketNo(date: Date, random6: string): string {
  if (!RANDOM_PART_RE.test(random6)) {
    throw new RangeError('random part must be exactly 6 ASCII digits');
  }
  const body = shanghaiDateKey(date) + random6;
  return body + String(dammCheckDigit(body));
}

/** Display form `20261125-483920-7`; expects the canonical 15-digit number. */
export function formatTicketNo(no: string): string {
  if (!TICKET_NO_RE.test(no)) throw new RangeError('ticket number must be 15 ASCII digits');
  return `${no.slice(0, 8)}-${no.slice(8, 14)}-${no.slice(14)}`;
}

export type ParseTicketNoResult =
  | { ok: true; ticketNo: string }
  | { ok: false; reason: 'format' | 'check_digit' };

/**
 * Separators people type between groups: ASCII hyphen, the Unicode hyphens and dashes, minus sign
 * and the small/full-width hyphen-minus that Chinese IMEs produce. Whitespace (including the
 * ideographic space U+3000) is handled by \s.
 */
const SEPARATORS_RE = /[\s\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;

/** Longer than any plausible typing of 15 digits with separators; stops pathological input early. */
const MAX_INPUT_LENGTH = 64;

/**
 * Accepts what a resident or clerk types: spaces and dashes anywhere, full-width digits (NFKC maps
 * them to ASCII). `format` when not exactly 15 digits after that, `check_digit` when the digits do
 * not check. The date part is deliberately not validated: the check digit already catches typos,
 * and a well-formed number that names no ticket is simply not found.
 */
export function parseTicketNo(input: string): ParseTicketNoResult {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) {
    return { ok: false, reason: 'format' };
  }
  const digits = input.normalize('NFKC').replace(SEPARATORS_RE, '');
  if (!TICKET_NO_RE.test(digits)) return { ok: false, reason: 'format' };
  // Over all 15 digits a valid number leaves interim 0, so no slicing is needed.
  if (dammCheckDigit(digits) !== 0) return { ok: false, reason: 'check_digit' };
  return { ok: true, ticketNo: digits };
}
