// Local calendar dates in Asia/Shanghai, the only time zone Huiying shows or reasons in.
//
// Asia/Shanghai has been a fixed UTC+8 with no daylight saving since 1991, so a plain offset is
// exact for every date this system will ever hold and keeps the domain free of Intl/tz data.
// Local dates are handled as "epoch days" (whole days since 1970-01-01 in local time): integer
// arithmetic is trivially correct across month and year ends, and keys are derived only at the edge.

export const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Strict `YYYY-MM-DD`; ranges are checked separately so "2026-02-30" is rejected, not rolled over. */
const DATE_KEY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function assertValidInstant(instant: Date): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError('invalid instant');
  }
}

/** Whole local (Asia/Shanghai) days since 1970-01-01 for the day containing `instant`. */
export function shanghaiEpochDay(instant: Date): number {
  assertValidInstant(instant);
  return Math.floor((instant.getTime() + SHANGHAI_OFFSET_MS) / DAY_MS);
}

export interface LocalDate {
  year: number;
  month: number; // 1–12
  day: number; // 1–31
}

export function epochDayToLocalDate(epochDay: number): LocalDate {
  // The UTC getters on a UTC-midnight instant read the proleptic Gregorian date without any tz.
  const d = new Date(epochDay * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD` for an epoch day; years outside 0–9999 cannot be written in four digits. */
export function epochDayToKey(epochDay: number): string {
  const { year, month, day } = epochDayToLocalDate(epochDay);
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} out of range`);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Parses a strict `YYYY-MM-DD` key; `null` for anything malformed or not a real calendar date. */
export function dateKeyToEpochDay(key: string): number | null {
  const m = DATE_KEY_RE.exec(key);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return null;
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return Math.round(d.getTime() / DAY_MS);
}

/** Day of week of an epoch day: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(epochDay: number): number {
  return (((epochDay + 4) % 7) + 7) % 7;
}

export function isWeekend(epochDay: number): boolean {
  const w = weekdayOf(epochDay);
  return w === 0 || w === 6;
}

export function yearOf(epochDay: number): number {
  return new Date(epochDay * DAY_MS).getUTCFullYear();
}

/** 23:59:59.000 local time of an epoch day, as a UTC instant (what deadlines end at). */
export function endOfShanghaiDay(epochDay: number): Date {
  return new Date(epochDay * DAY_MS - SHANGHAI_OFFSET_MS + DAY_MS - 1000);
}

/** `YYYY-MM-DD` of the Asia/Shanghai day containing `instant`. */
export function shanghaiDateKeyIso(instant: Date): string {
  return epochDayToKey(shanghaiEpochDay(instant));
}
