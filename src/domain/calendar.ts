// Working days and Durations (SPEC §7): which Asia/Shanghai days are working days under the State
// Council's holiday arrangement, and where a Duration from an instant ends. Pure: the calendar is
// loaded by the caller and passed in.

import {
  DAY_MS,
  dateKeyToEpochDay,
  endOfShanghaiDay,
  isWeekend,
  shanghaiEpochDay,
  yearOf,
} from './local-date.js';
import type { ErrorDetail } from './errors.js';

export type DurationUnit = 'minutes' | 'hours' | 'days' | 'working_days';

export interface Duration {
  amount: number;
  unit: DurationUnit;
}

/** One year's arrangement; dates are Asia/Shanghai local dates `YYYY-MM-DD`. */
export interface CalendarYear {
  year: number;
  /** Rest days by notice, weekends inside a holiday block included. */
  holidays: string[];
  /** Make-up working days (调休上班), always weekend days. */
  workdays: string[];
}

/**
 * Everything wrong with one year's data (empty when it is fine), as details with a path into the
 * year object. Exposed so the admin endpoint rejects a bad year by the same rules the calendar
 * enforces when loaded, e.g. `validationError(calendarYearProblems(body))`.
 */
export function calendarYearProblems(y: CalendarYear): ErrorDetail[] {
  if (!Number.isInteger(y.year) || y.year < 1970 || y.year > 9999) {
    return [{ path: 'year', message: '年份应在1970至9999之间' }];
  }
  const problems: ErrorDetail[] = [];
  const seen = new Map<string, 'holidays' | 'workdays'>();
  const check = (key: string, list: 'holidays' | 'workdays', index: number): void => {
    const path = `${list}[${index}]`;
    const day = dateKeyToEpochDay(key);
    if (day === null) {
      problems.push({ path, message: `“${key}”不是有效日期（格式应为 YYYY-MM-DD）` });
      return;
    }
    if (yearOf(day) !== y.year) problems.push({ path, message: `${key} 不在 ${y.year} 年内` });
    const before = seen.get(key);
    if (before === list) problems.push({ path, message: `${key} 重复列出` });
    else if (before) problems.push({ path, message: `${key} 不能同时是节假日和调休上班日` });
    seen.set(key, list);
    // A make-up workday on Mon–Fri changes nothing, so it is almost certainly a typo.
    if (list === 'workdays' && !isWeekend(day)) {
      problems.push({ path, message: `${key} 不是周六或周日，调休上班日应为周末` });
    }
  };
  y.holidays.forEach((key, i) => check(key, 'holidays', i));
  y.workdays.forEach((key, i) => check(key, 'workdays', i));
  return problems;
}

export class WorkCalendar {
  private readonly years = new Set<number>();
  private readonly holidays = new Set<number>();
  private readonly workdays = new Set<number>();

  constructor(years: readonly CalendarYear[]) {
    for (const y of years) {
      const problems = calendarYearProblems(y);
      if (problems.length > 0) {
        const text = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
        throw new RangeError(`calendar ${String(y.year)}: ${text}`);
      }
      if (this.years.has(y.year)) throw new RangeError(`calendar ${y.year} given twice`);
      this.years.add(y.year);
      // Keys were validated above, so the non-null assertions cannot fail.
      for (const key of y.holidays) this.holidays.add(dateKeyToEpochDay(key)!);
      for (const key of y.workdays) this.workdays.add(dateKeyToEpochDay(key)!);
    }
  }

  hasYear(year: number): boolean {
    return this.years.has(year);
  }

  /** Years with data, ascending (for start-up and /readyz warnings). */
  knownYears(): number[] {
    return [...this.years].sort((a, b) => a - b);
  }

  /** For a year without data this answers Mon–Fri; callers that must know use `hasYear`. */
  isWorkingDay(dateKey: string): boolean {
    const day = dateKeyToEpochDay(dateKey);
    if (day === null) throw new RangeError(`not a date key: "${dateKey}"`);
    return this.isWorkingEpochDay(day);
  }

  /** @internal epoch-day form used by the arithmetic below. */
  isWorkingEpochDay(day: number): boolean {
    if (this.workdays.has(day)) return true;
    if (this.holidays.has(day)) return false;
    return !isWeekend(day);
  }
}

/**
 * This and next year (Asia/Shanghai) when they have no holiday data: deadlines running into them
 * are computed Mon–Fri and flagged. Said by the start log and /readyz.
 */
export function missingCalendarYears(knownYears: readonly number[], now: Date): number[] {
  const year = yearOf(shanghaiEpochDay(now));
  return [year, year + 1].filter((y) => !knownYears.includes(y));
}

export const calendarMissingWarning = (year: number): string => `${year}年节假日安排未配置，期限将按周一至周五计算并标记`;

/** Generous bound (≈ 40 years) so a mistyped admin value cannot make the day loop run away. */
export const MAX_WORKING_DAYS = 10_000;

const ELAPSED_UNIT_MS: Record<Exclude<DurationUnit, 'working_days'>, number> = {
  minutes: 60 * 1000,
  hours: 60 * 60 * 1000,
  days: DAY_MS,
};

export interface DurationResult {
  at: Date;
  /** True when a day in a year without calendar data was counted (as Mon–Fri). */
  calendarWarning: boolean;
}

/**
 * Where `d` from `start` ends.
 *
 * - `minutes`, `hours`, `days`: elapsed time; a day is 24 h (Shanghai has no DST, so this is also
 *   the same wall-clock time N days later).
 * - `working_days` N > 0: 23:59:59.000 Asia/Shanghai of the N-th working day after the local day
 *   of `start`; that day itself never counts, working or not, so registering on a Saturday or at
 *   23:00 on a Friday gives the same deadline.
 * - `working_days` N < 0: 23:59:59.000 of the |N|-th working day before the local day of `start`
 *   (used to place the warning ahead of a due instant).
 * - `working_days` 0: 23:59:59.000 of the start's own local day, working or not. This is the only
 *   case where the result can precede `start` (by under a second, for a start in 23:59:59.xxx).
 */
export function addDuration(start: Date, d: Duration, cal: WorkCalendar): DurationResult {
  if (!(start instanceof Date) || Number.isNaN(start.getTime())) throw new RangeError('invalid start instant');
  if (!Number.isFinite(d.amount)) throw new RangeError('duration amount must be a finite number');

  if (d.unit !== 'working_days') {
    const ms = ELAPSED_UNIT_MS[d.unit];
    if (ms === undefined) throw new RangeError(`unknown duration unit "${String(d.unit)}"`);
    const at = new Date(start.getTime() + d.amount * ms);
    if (Number.isNaN(at.getTime())) throw new RangeError('duration runs past the representable range');
    return { at, calendarWarning: false };
  }

  if (!Number.isInteger(d.amount) || Math.abs(d.amount) > MAX_WORKING_DAYS) {
    throw new RangeError(`working_days must be an integer within ±${MAX_WORKING_DAYS}`);
  }
  let day = shanghaiEpochDay(start);
  const step = d.amount < 0 ? -1 : 1;
  let remaining = Math.abs(d.amount);
  let calendarWarning = false;
  while (remaining > 0) {
    day += step;
    if (!cal.hasYear(yearOf(day))) calendarWarning = true;
    if (cal.isWorkingEpochDay(day)) remaining--;
  }
  return { at: endOfShanghaiDay(day), calendarWarning };
}

/** `addDuration` counting back: the instant `d` before `due`. */
export function subtractDuration(due: Date, d: Duration, cal: WorkCalendar): DurationResult {
  return addDuration(due, { amount: -d.amount, unit: d.unit }, cal);
}

/**
 * Working time between two instants (ms): the part of [from, to) that falls on working days
 * (whole Asia/Shanghai days). A pause (中止计时) stops the clock for this much (SPEC §18).
 */
export function workingMsBetween(from: Date, to: Date, cal: WorkCalendar): number {
  let ms = 0;
  let t = from.getTime();
  const end = to.getTime();
  while (t < end) {
    const day = shanghaiEpochDay(new Date(t));
    const dayEnd = endOfShanghaiDay(day).getTime() + 1000; // the next local midnight
    const stop = Math.min(dayEnd, end);
    if (cal.isWorkingEpochDay(day)) ms += stop - t;
    t = stop;
  }
  return ms;
}

/**
 * The instant `ms` of working time after `from`: non-working days are skipped whole. With
 * workingMsBetween, a pause moves a due instant so that the working time left is unchanged.
 */
export function addWorkingMs(from: Date, ms: number, cal: WorkCalendar): Date {
  let t = from.getTime();
  let left = ms;
  for (let guard = 0; left > 0 && guard < MAX_WORKING_DAYS * 2; guard++) {
    const day = shanghaiEpochDay(new Date(t));
    const dayEnd = endOfShanghaiDay(day).getTime() + 1000;
    if (cal.isWorkingEpochDay(day)) {
      const take = Math.min(left, dayEnd - t);
      left -= take;
      t += take;
      if (left === 0) break;
    }
    t = dayEnd;
  }
  return new Date(t);
}

// Seed data, State Council General Office notices (国务院办公厅关于…部分节假日安排的通知), exactly as
// docs/stack.md "Holiday arrangements". Listed day by day, one festival per line, so the migration that
// seeds the table and a reviewer holding the notice can compare line by line. Admins keep later years.
export const OFFICIAL_CALENDARS: CalendarYear[] = [
  {
    year: 2024,
    holidays: [
      '2024-01-01', // 元旦
      '2024-02-10', '2024-02-11', '2024-02-12', '2024-02-13', '2024-02-14', '2024-02-15', '2024-02-16', '2024-02-17', // 春节
      '2024-04-04', '2024-04-05', '2024-04-06', // 清明
      '2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05', // 劳动节
      '2024-06-10', // 端午
      '2024-09-15', '2024-09-16', '2024-09-17', // 中秋
      '2024-10-01', '2024-10-02', '2024-10-03', '2024-10-04', '2024-10-05', '2024-10-06', '2024-10-07', // 国庆
    ],
    workdays: ['2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12'],
  },
  {
    year: 2025,
    holidays: [
      '2025-01-01', // 元旦
      '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03', '2025-02-04', // 春节
      '2025-04-04', '2025-04-05', '2025-04-06', // 清明
      '2025-05-01', '2025-05-02', '2025-05-03', '2025-05-04', '2025-05-05', // 劳动节
      '2025-05-31', '2025-06-01', '2025-06-02', // 端午
      '2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05', '2025-10-06', '2025-10-07', '2025-10-08', // 国庆、中秋
    ],
    workdays: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
  {
    year: 2026,
    holidays: [
      '2026-01-01', '2026-01-02', '2026-01-03', // 元旦
      '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23', // 春节
      '2026-04-04', '2026-04-05', '2026-04-06', // 清明
      '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05', // 劳动节
      '2026-06-19', '2026-06-20', '2026-06-21', // 端午
      '2026-09-25', '2026-09-26', '2026-09-27', // 中秋
      '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07', // 国庆
    ],
    workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
];
