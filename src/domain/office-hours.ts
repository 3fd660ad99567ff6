// Office hours (SPEC §18), pure: when a staff reminder raised at `now` is shown (the next start of
// office hours on a working day, unless it is urgent), and when a resident SMS may go out (never
// 21:00–08:00 Asia/Shanghai unless the ticket is an emergency).
import type { WorkCalendar } from './calendar.js';
import { DAY_MS, SHANGHAI_OFFSET_MS, shanghaiEpochDay } from './local-date.js';

export interface OfficeHours {
  /** `HH:MM`, Asia/Shanghai. */
  start: string;
  end: string;
}

export const DEFAULT_OFFICE_HOURS: OfficeHours = { start: '08:30', end: '17:30' };
export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
/** The instant of a local time on an epoch day. */
const at = (day: number, minutes: number): Date => new Date(day * DAY_MS - SHANGHAI_OFFSET_MS + minutes * 60_000);

/** `now` when it falls within office hours of a working day, else the next start of them. */
export function nextOfficeInstant(now: Date, hours: OfficeHours, cal: WorkCalendar): Date {
  const day = shanghaiEpochDay(now);
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  const minute = (now.getTime() + SHANGHAI_OFFSET_MS - day * DAY_MS) / 60_000;
  if (cal.isWorkingEpochDay(day)) {
    if (minute < start) return at(day, start);
    if (minute < end) return now;
  }
  let d = day + 1;
  while (!cal.isWorkingEpochDay(d) && d < day + 400) d++;
  return at(d, start);
}

/** Resident SMS quiet hours: 21:00–08:00 Asia/Shanghai. */
const QUIET_FROM = 21 * 60;
const QUIET_UNTIL = 8 * 60;

/** When an SMS raised at `now` may be sent: null at once, else 08:00 of the morning after (SPEC §18). */
export function smsNotBefore(now: Date, emergency: boolean): Date | null {
  if (emergency) return null;
  const day = shanghaiEpochDay(now);
  const minute = (now.getTime() + SHANGHAI_OFFSET_MS - day * DAY_MS) / 60_000;
  if (minute >= QUIET_FROM) return at(day + 1, QUIET_UNTIL);
  if (minute < QUIET_UNTIL) return at(day, QUIET_UNTIL);
  return null;
}
