// The messy values of real ledgers (SPEC §15), read as pure rules: full-width digits, Excel date
// serials and date cells, "2026/3/5 9:07", phones with spaces and dashes, and CSV text (RFC 4180).
// Spreadsheet times are wall times in Asia/Shanghai (UTC+8, no daylight saving).
import { LANDLINE_RE, MOBILE_RE } from './phone.js';

/** What a spreadsheet cell holds once read (exceljs values flattened; CSV cells are strings). */
export type Cell = string | number | boolean | Date | null;

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Excel's day 0 (1899-12-30, which absorbs its 1900 leap-year bug for every date after March 1900). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
/** Serials from 1954 to 2119: anything else in a date column is not a date. */
const SERIAL_MIN = 20000;
const SERIAL_MAX = 80000;

/** Full-width ASCII (０-９, Ａ, －, ：, ／) and the ideographic space as their half-width forms. */
export function halfWidth(s: string): string {
  return s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

/** A cell as trimmed text; null when empty. Numbers print without exponent where they are whole. */
export function cellText(v: Cell): string | null {
  if (v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  const s = typeof v === 'number' ? (Number.isInteger(v) ? BigInt(v).toString() : String(v)) : String(v);
  const t = s.trim();
  return t === '' ? null : t;
}

function wallTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return new Date(utc - SHANGHAI_OFFSET_MS);
}

export interface ParsedInstant {
  at: Date;
  /** Only a date was given (no time of day): a deadline then means the end of that day. */
  dateOnly: boolean;
}

const DATE_RE =
  /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:(?:\s+|T)(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?$/;
const COMPACT_RE = /^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$/;
const ISO_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** An Excel serial (days since 1899-12-30, fraction = time of day) as a Shanghai wall time. */
function fromSerial(n: number): ParsedInstant | null {
  if (!(n >= SERIAL_MIN && n < SERIAL_MAX)) return null;
  const ms = Math.round((n * DAY_MS) / 1000) * 1000;
  return { at: new Date(EXCEL_EPOCH_MS + ms - SHANGHAI_OFFSET_MS), dateOnly: Number.isInteger(n) };
}

/**
 * A date-and-time cell: a Date (exceljs reads date cells as UTC fields holding the wall time), an
 * Excel serial, `2026/3/5 9:07`, `2026-03-05 09:07:00`, `2026年3月5日 9时7分`, `20260305`, or an
 * ISO instant with its own offset. Null when it is none of these.
 */
export function parseInstant(v: Cell): ParsedInstant | null {
  if (v === null || typeof v === 'boolean') return null;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null;
    const dateOnly = v.getUTCHours() === 0 && v.getUTCMinutes() === 0 && v.getUTCSeconds() === 0;
    return { at: new Date(v.getTime() - SHANGHAI_OFFSET_MS), dateOnly };
  }
  if (typeof v === 'number') return fromSerial(v);
  const s = halfWidth(v).trim();
  if (/^\d{5}(?:\.\d+)?$/.test(s)) return fromSerial(Number(s));
  if (ISO_OFFSET_RE.test(s)) {
    const at = new Date(s);
    return Number.isNaN(at.getTime()) ? null : { at, dateOnly: false };
  }
  const m = DATE_RE.exec(s) ?? COMPACT_RE.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x)));
  const at = wallTime(y!, mo!, d!, h ?? 0, mi ?? 0, sec ?? 0);
  return at ? { at, dateOnly: h === undefined } : null;
}

/** The end of the (Shanghai) day of a date-only instant: a deadline given as a date. */
export function endOfDay(p: ParsedInstant): Date {
  return p.dateOnly ? new Date(p.at.getTime() + DAY_MS - 1000) : p.at;
}

/** `2026-03-05 09:07:00`, Shanghai wall time: how exports write instants and imports read them back. */
export function formatWallTime(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** A phone as written: `138 1234 5678`, `138-1234-5678`, `+86 13812345678`, `０５７１－８８８８６６６６`. */
export type PhoneReading = { ok: true; phone: string | null } | { ok: false };

/** A masked phone of an export (138****5678) carries no number: read as none. */
const MASKED_RE = /^\d{3}\*{4}\d{4}$/;

export function parsePhone(v: Cell): PhoneReading {
  const text = cellText(v);
  if (text === null) return { ok: true, phone: null };
  const s = halfWidth(text).replace(/[\s()（）]/g, '');
  if (MASKED_RE.test(s)) return { ok: true, phone: null };
  const digits = s.replace(/^(?:\+?86)(?=1[3-9]\d{9}$)/, '');
  const mobile = digits.replace(/-/g, '');
  if (MOBILE_RE.test(mobile)) return { ok: true, phone: mobile };
  if (LANDLINE_RE.test(digits)) return { ok: true, phone: digits };
  if (LANDLINE_RE.test(mobile)) return { ok: true, phone: mobile };
  return { ok: false };
}

/**
 * CSV text (RFC 4180: quoted fields, doubled quotes, CR/LF/CRLF line ends, a leading BOM dropped)
 * as rows of cells. `onRow` may return false to stop early (the row limit).
 */
export function parseCsv(text: string, onRow: (cells: string[]) => boolean | void): void {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let any = false;
  const endRow = (): boolean => {
    row.push(field);
    field = '';
    const keep = onRow(row) !== false;
    row = [];
    any = false;
    return keep;
  };
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      any = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      any = true;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (!endRow()) return;
    } else {
      field += c;
      any = true;
    }
    i++;
  }
  if (any || field !== '' || row.length > 0) endRow();
}
