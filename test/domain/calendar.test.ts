// Working-day arithmetic: every holiday block and make-up workday of 2024–2026, hand-checked
// deadlines, properties over random instants, years without data, elapsed units, and a cross-check
// of the seed calendar against the chinese-days package's data.

import t from 'tap';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import {
  MAX_WORKING_DAYS,
  OFFICIAL_CALENDARS,
  WorkCalendar,
  addDuration,
  calendarYearProblems,
  subtractDuration,
  type CalendarYear,
  type Duration,
} from '../../src/domain/calendar.js';
import {
  dateKeyToEpochDay,
  endOfShanghaiDay,
  epochDayToKey,
  shanghaiDateKeyIso,
  shanghaiEpochDay,
  weekdayOf,
} from '../../src/domain/local-date.js';

const cal = new WorkCalendar(OFFICIAL_CALENDARS);
const local = (s: string): Date => new Date(`${s}+08:00`);
const endOf = (key: string): Date => local(`${key}T23:59:59`);
const wd = (amount: number): Duration => ({ amount, unit: 'working_days' });
const dayKey = (key: string, delta: number): string => epochDayToKey(dateKeyToEpochDay(key)! + delta);

/** The local day `amount` working days from `start` ends on, after checking it ends at 23:59:59. */
function landing(start: Date, amount: number, calendar = cal): { key: string; warn: boolean } {
  const r = addDuration(start, wd(amount), calendar);
  const key = shanghaiDateKeyIso(r.at);
  if (r.at.getTime() !== endOf(key).getTime()) throw new Error(`not 23:59:59 local: ${r.at.toISOString()}`);
  return { key, warn: r.calendarWarning };
}

// docs/stack.md "Holiday arrangements", transcribed as written there, then expanded here; the source
// constant lists days one by one, so the two transcriptions check each other.
const STACK_TABLE: Record<number, [string, string]> = {
  2024: ['1/1; 2/10–2/17; 4/4–4/6; 5/1–5/5; 6/10; 9/15–9/17; 10/1–10/7', '2/4, 2/18, 4/7, 4/28, 5/11, 9/14, 9/29, 10/12'],
  2025: ['1/1; 1/28–2/4; 4/4–4/6; 5/1–5/5; 5/31–6/2; 10/1–10/8', '1/26, 2/8, 4/27, 9/28, 10/11'],
  2026: ['1/1–1/3; 2/15–2/23; 4/4–4/6; 5/1–5/5; 6/19–6/21; 9/25–9/27; 10/1–10/7', '1/4, 2/14, 2/28, 5/9, 9/20, 10/10'],
};
const md = (year: number, s: string): string => {
  const [m, d] = s.split('/');
  return `${year}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
};
const expandRanges = (year: number, text: string): string[] =>
  text.split(';').flatMap((part) => {
    const [a, b = a] = part.trim().split('–');
    const out: string[] = [];
    for (let day = dateKeyToEpochDay(md(year, a))!; day <= dateKeyToEpochDay(md(year, b))!; day++) {
      out.push(epochDayToKey(day));
    }
    return out;
  });

/**
 * Every holiday block of 2024–2026 with the last working day before it and the first after it,
 * worked out by hand from the notices and a wall calendar (weekday names are there to re-check).
 */
const BLOCKS: { first: string; last: string; before: string; after: string; beforeWarns?: true }[] = [
  // 2023 has no data, so counting back from the first working day of 2024 is flagged.
  { first: '2024-01-01', last: '2024-01-01', before: '2023-12-29', after: '2024-01-02', beforeWarns: true }, // Mon; Fri…Tue
  { first: '2024-02-10', last: '2024-02-17', before: '2024-02-09', after: '2024-02-18' }, // Sat–Sat; after = make-up Sun
  { first: '2024-04-04', last: '2024-04-06', before: '2024-04-03', after: '2024-04-07' }, // Thu–Sat; make-up Sun
  { first: '2024-05-01', last: '2024-05-05', before: '2024-04-30', after: '2024-05-06' }, // Wed–Sun
  { first: '2024-06-10', last: '2024-06-10', before: '2024-06-07', after: '2024-06-11' }, // Mon; Fri before
  { first: '2024-09-15', last: '2024-09-17', before: '2024-09-14', after: '2024-09-18' }, // Sun–Tue; before = make-up Sat
  { first: '2024-10-01', last: '2024-10-07', before: '2024-09-30', after: '2024-10-08' }, // Tue–Mon
  { first: '2025-01-01', last: '2025-01-01', before: '2024-12-31', after: '2025-01-02' }, // Wed
  { first: '2025-01-28', last: '2025-02-04', before: '2025-01-27', after: '2025-02-05' }, // Tue–Tue
  { first: '2025-04-04', last: '2025-04-06', before: '2025-04-03', after: '2025-04-07' }, // Fri–Sun
  { first: '2025-05-01', last: '2025-05-05', before: '2025-04-30', after: '2025-05-06' }, // Thu–Mon
  { first: '2025-05-31', last: '2025-06-02', before: '2025-05-30', after: '2025-06-03' }, // Sat–Mon
  { first: '2025-10-01', last: '2025-10-08', before: '2025-09-30', after: '2025-10-09' }, // Wed–Wed
  { first: '2026-01-01', last: '2026-01-03', before: '2025-12-31', after: '2026-01-04' }, // Thu–Sat; make-up Sun
  { first: '2026-02-15', last: '2026-02-23', before: '2026-02-14', after: '2026-02-24' }, // Sun–Mon; before = make-up Sat
  { first: '2026-04-04', last: '2026-04-06', before: '2026-04-03', after: '2026-04-07' }, // Sat–Mon
  { first: '2026-05-01', last: '2026-05-05', before: '2026-04-30', after: '2026-05-06' }, // Fri–Tue
  { first: '2026-06-19', last: '2026-06-21', before: '2026-06-18', after: '2026-06-22' }, // Fri–Sun
  { first: '2026-09-25', last: '2026-09-27', before: '2026-09-24', after: '2026-09-28' }, // Fri–Sun
  { first: '2026-10-01', last: '2026-10-07', before: '2026-09-30', after: '2026-10-08' }, // Thu–Wed
];

t.test('OFFICIAL_CALENDARS is exactly the docs/stack.md table', async (t) => {
  t.same(OFFICIAL_CALENDARS.map((y) => y.year), [2024, 2025, 2026]);
  for (const y of OFFICIAL_CALENDARS) {
    const [holidays, workdays] = STACK_TABLE[y.year];
    t.same([...y.holidays].sort(), expandRanges(y.year, holidays), `${y.year} holidays`);
    t.same([...y.workdays].sort(), workdays.split(',').map((s) => md(y.year, s.trim())), `${y.year} workdays`);
    t.same(calendarYearProblems(y), [], `${y.year} passes validation`);
  }
  const blockDays = BLOCKS.flatMap((b) => expandRanges(Number(b.first.slice(0, 4)), `${b.first.slice(5).replace('-', '/')}–${b.last.slice(5).replace('-', '/')}`));
  t.same(blockDays, OFFICIAL_CALENDARS.flatMap((y) => [...y.holidays].sort()), 'BLOCKS cover every holiday');
});

t.test('every holiday is a rest day and every make-up workday a working weekend day', async (t) => {
  for (const y of OFFICIAL_CALENDARS) {
    for (const h of y.holidays) t.notOk(cal.isWorkingDay(h), `${h} holiday`);
    for (const w of y.workdays) {
      t.ok(cal.isWorkingDay(w), `${w} make-up workday`);
      t.ok([0, 6].includes(weekdayOf(dateKeyToEpochDay(w)!)), `${w} is a weekend day`);
    }
  }
});

t.test('around every holiday block', async (t) => {
  for (const b of BLOCKS) {
    const dayBefore = dayKey(b.first, -1);
    t.ok(cal.isWorkingDay(b.before) && cal.isWorkingDay(b.after), `${b.first}: neighbours work`);
    // Only weekends may lie between the block and its neighbours, else the table above is wrong.
    for (const [from, to] of [[b.before, b.first], [b.last, b.after]]) {
      for (let k = dayKey(from, 1); k < to; k = dayKey(k, 1)) t.notOk(cal.isWorkingDay(k), `${k} rests`);
    }
    // 1 working day from the day before the block lands on the first working day after it,
    // whatever the time of day.
    for (const time of ['00:00:00', '10:00:00', '23:59:59.999']) {
      t.same(landing(local(`${dayBefore}T${time}`), 1), { key: b.after, warn: false }, `${dayBefore} ${time} +1`);
    }
    t.same(landing(local(`${b.before}T16:00`), 1), { key: b.after, warn: b.beforeWarns ?? false }, `${b.before} (last working) +1`);
    // Registered during the block: the deadline still runs from the first working day after it.
    for (let k = b.first; k <= b.last; k = dayKey(k, 1)) {
      t.same(landing(local(`${k}T09:00`), 1), { key: b.after, warn: false }, `${k} (holiday) +1`);
      t.same(landing(local(`${k}T09:00`), -1), { key: b.before, warn: b.beforeWarns ?? false }, `${k} (holiday) -1`);
    }
    // Counting back from a due date just after the block skips it (the warning before a deadline).
    const back = subtractDuration(endOf(b.after), wd(1), cal);
    t.same(back, { at: endOf(b.before), calendarWarning: b.beforeWarns ?? false }, `${b.after} due, warn 1 wd before`);
  }
});

t.test('around every make-up workday', async (t) => {
  for (const w of OFFICIAL_CALENDARS.flatMap((y) => y.workdays)) {
    const prev = dayKey(w, -1);
    const next = dayKey(w, 1);
    t.same(landing(local(`${prev}T10:00`), 1), { key: w, warn: false }, `${prev} +1 lands on make-up ${w}`);
    t.same(landing(local(`${next}T10:00`), -1), { key: w, warn: false }, `${next} -1 lands on make-up ${w}`);
    // The make-up day itself is not counted when a ticket arrives on it.
    t.not(landing(local(`${w}T10:00`), 1).key, w, `${w} +1 is a later day`);
  }
});

t.test('hand-checked deadlines', async (t) => {
  const cases: [string, number, string][] = [
    // National Day 2026: 10/1–10/7 off, 10/8 Thu and 10/9 Fri work, 10/10 Sat is made up.
    ['2026-09-30T10:00', 1, '2026-10-08'],
    ['2026-09-30T10:00', 2, '2026-10-09'],
    ['2026-09-30T10:00', 3, '2026-10-10'],
    ['2026-09-30T10:00', 4, '2026-10-12'],
    // Spring Festival 2026, a complaint's 15 working days: 2/14 (make-up Sat), 2/24–27, 2/28 (make-up
    // Sat), 3/2–6, 3/9–12.
    ['2026-02-13T15:00', 15, '2026-03-12'],
    ['2026-02-13T15:00', 6, '2026-02-28'],
    // A consult (2 working days) before Mid-Autumn 2024: 9/14 make-up Sat, 9/15–17 off, 9/18.
    ['2024-09-13T11:00', 2, '2024-09-18'],
    // Across the new year into a make-up Sunday.
    ['2025-12-31T08:00', 1, '2026-01-04'],
    ['2025-12-30T08:00', 2, '2026-01-04'],
    // Friday late evening and Saturday morning give the same deadline.
    ['2026-11-20T23:30', 1, '2026-11-23'],
    ['2026-11-21T08:00', 1, '2026-11-23'],
    ['2026-11-23T08:00', 10, '2026-12-07'],
    // Counting back.
    ['2026-10-08T23:59:59', -1, '2026-09-30'],
    ['2026-10-12T23:59:59', -2, '2026-10-09'],
    ['2026-03-12T23:59:59', -15, '2026-02-13'],
    // Zero: the end of the start's own day, even a holiday.
    ['2026-10-03T10:00', 0, '2026-10-03'],
    ['2026-10-08T00:00', 0, '2026-10-08'],
  ];
  for (const [start, n, expected] of cases) {
    t.same(landing(local(start), n), { key: expected, warn: false }, `${start} ${n >= 0 ? '+' : ''}${n} wd`);
  }
  t.equal(
    addDuration(local('2026-09-30T10:00'), wd(1), cal).at.toISOString(),
    '2026-10-08T15:59:59.000Z',
    'stored in UTC: 23:59:59 in Shanghai is 15:59:59Z',
  );
  // The local day, not the UTC day, is the one not counted.
  t.same(landing(new Date('2026-11-24T15:59:59.999Z'), 1).key, '2026-11-25', 'Tue 23:59:59.999 local');
  t.same(landing(new Date('2026-11-24T16:00:00.000Z'), 1).key, '2026-11-26', 'Wed 00:00 local');
});

t.test('years without data count Mon–Fri and raise calendarWarning', async (t) => {
  t.notOk(cal.hasYear(2027));
  t.ok(cal.hasYear(2026));
  t.same(cal.knownYears(), [2024, 2025, 2026]);
  t.same(landing(local('2026-12-30T10:00'), 1), { key: '2026-12-31', warn: false }, 'stays in 2026');
  t.same(landing(local('2026-12-31T10:00'), 1), { key: '2027-01-01', warn: true }, '2027-01-01 Fri counted as working');
  t.same(landing(local('2027-01-01T10:00'), 1), { key: '2027-01-04', warn: true }, 'weekend skipped');
  t.same(landing(local('2027-01-01T10:00'), 5), { key: '2027-01-08', warn: true });
  t.same(landing(local('2027-02-05T10:00'), 10), { key: '2027-02-19', warn: true }, 'Spring Festival 2027 unknown');
  t.same(landing(local('2027-01-04T10:00'), -1), { key: '2027-01-01', warn: true });
  t.same(landing(local('2027-01-01T10:00'), -1), { key: '2026-12-31', warn: false }, 'start day not examined');
  t.same(landing(local('2027-01-01T10:00'), 0), { key: '2027-01-01', warn: false }, 'zero examines no day');
  t.ok(cal.isWorkingDay('2027-01-01') && !cal.isWorkingDay('2027-01-02'), 'isWorkingDay falls back to Mon–Fri');
  const empty = new WorkCalendar([]);
  t.same(landing(local('2026-09-30T10:00'), 1, empty), { key: '2026-10-01', warn: true }, 'empty calendar');
});

t.test('minutes, hours and days are elapsed time', async (t) => {
  const start = local('2026-09-30T22:15:30.250');
  const cases: [Duration, string][] = [
    [{ amount: 90, unit: 'minutes' }, '2026-09-30T15:45:30.250Z'],
    [{ amount: 2, unit: 'hours' }, '2026-09-30T16:15:30.250Z'],
    [{ amount: 24, unit: 'hours' }, '2026-10-01T14:15:30.250Z'],
    [{ amount: 3, unit: 'days' }, '2026-10-03T14:15:30.250Z'], // straight through the holiday
    [{ amount: 0, unit: 'minutes' }, '2026-09-30T14:15:30.250Z'],
    [{ amount: -20, unit: 'minutes' }, '2026-09-30T13:55:30.250Z'],
    [{ amount: 1.5, unit: 'hours' }, '2026-09-30T15:45:30.250Z'],
  ];
  for (const [d, expected] of cases) {
    t.same(addDuration(start, d, cal), { at: new Date(expected), calendarWarning: false }, `${d.amount} ${d.unit}`);
  }
  t.same(
    subtractDuration(start, { amount: 30, unit: 'minutes' }, cal).at.toISOString(),
    '2026-09-30T13:45:30.250Z',
  );
  t.equal(addDuration(local('2027-06-01T00:00'), { amount: 5, unit: 'days' }, cal).calendarWarning, false, 'no calendar needed');
  t.equal(addDuration(local('2026-01-31T12:00'), { amount: 30, unit: 'days' }, cal).at.getTime(), local('2026-03-02T12:00').getTime(), 'month ends');
});

t.test('bad input is refused', async (t) => {
  const start = local('2026-09-30T10:00');
  t.throws(() => addDuration(new Date(Number.NaN), wd(1), cal), RangeError);
  for (const amount of [1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_WORKING_DAYS + 1, -MAX_WORKING_DAYS - 1]) {
    t.throws(() => addDuration(start, wd(amount), cal), RangeError, `working_days ${amount}`);
  }
  t.throws(() => addDuration(start, { amount: Number.NaN, unit: 'hours' }, cal), RangeError);
  t.throws(() => addDuration(start, { amount: 1, unit: 'weeks' as Duration['unit'] }, cal), RangeError);
  t.throws(() => addDuration(start, { amount: 1e12, unit: 'days' }, cal), RangeError, 'past year 275760');
  t.equal(landing(start, MAX_WORKING_DAYS).warn, true, 'the bound itself is accepted');
  t.throws(() => cal.isWorkingDay('2026-02-30'), RangeError);
  t.throws(() => cal.isWorkingDay('20261001'), RangeError);
});

t.test('WorkCalendar and calendarYearProblems reject bad years', async (t) => {
  const ok: CalendarYear = { year: 2027, holidays: ['2027-01-01'], workdays: ['2027-01-02'] };
  t.same(calendarYearProblems(ok), []);
  const bad: [CalendarYear, string][] = [
    [{ year: 2027.5, holidays: [], workdays: [] }, 'year'],
    [{ year: 1969, holidays: [], workdays: [] }, 'year'],
    [{ ...ok, holidays: ['2027-02-30'] }, 'holidays[0]'],
    [{ ...ok, holidays: ['2027-1-1'] }, 'holidays[0]'],
    [{ ...ok, holidays: ['2026-12-31'] }, 'holidays[0]'],
    [{ ...ok, holidays: ['2027-01-01', '2027-01-01'] }, 'holidays[1]'],
    [{ ...ok, holidays: ['2027-01-02'] }, 'workdays[0]'],
    [{ ...ok, workdays: ['2027-01-04'] }, 'workdays[0]'], // a Monday
  ];
  for (const [y, path] of bad) {
    const problems = calendarYearProblems(y);
    t.equal(problems[0]?.path, path, `${JSON.stringify(y)} → ${problems[0]?.message}`);
    t.throws(() => new WorkCalendar([y]), RangeError);
  }
  t.throws(() => new WorkCalendar([ok, ok]), RangeError, 'a year given twice');
  t.ok(new WorkCalendar([ok]).isWorkingDay('2027-01-02'), 'a make-up Saturday of an admin-kept year');
});

// Independent oracle for the property tests: chinese-days' data for 2024–2026, Mon–Fri elsewhere.
interface ChineseDaysData { holidays: Record<string, string>; workdays: Record<string, string> }
const chineseDays = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as ChineseDaysData;
const oracleWorking = (day: number): boolean => {
  const key = epochDayToKey(day);
  const year = Number(key.slice(0, 4));
  if (year >= 2024 && year <= 2026) {
    if (key in chineseDays.workdays) return true;
    if (key in chineseDays.holidays) return false;
  }
  return weekdayOf(day) >= 1 && weekdayOf(day) <= 5;
};

t.test('cross-check against chinese-days for 2024–2026', async (t) => {
  for (const y of OFFICIAL_CALENDARS) {
    const inYear = (m: Record<string, string>): string[] => Object.keys(m).filter((k) => k.startsWith(`${y.year}-`)).sort();
    t.same([...y.holidays].sort(), inYear(chineseDays.holidays), `${y.year} holidays`);
    t.same([...y.workdays].sort(), inYear(chineseDays.workdays), `${y.year} workdays`);
  }
  let mismatches = 0;
  for (let day = dateKeyToEpochDay('2024-01-01')!; day <= dateKeyToEpochDay('2026-12-31')!; day++) {
    if (cal.isWorkingDay(epochDayToKey(day)) !== oracleWorking(day)) mismatches++;
  }
  t.equal(mismatches, 0, 'every day of 2024–2026 agrees');
});

const startArb = fc.date({ min: local('2024-01-01T00:00'), max: local('2026-12-31T23:59:59.999'), noInvalidDate: true });

t.test('property: N working days after a start in 2024–2026', async (t) => {
  fc.assert(
    fc.property(startArb, fc.integer({ min: 1, max: 30 }), (start, n) => {
      const { at, calendarWarning } = addDuration(start, wd(n), cal);
      const startDay = shanghaiEpochDay(start);
      const endDay = shanghaiEpochDay(at);
      let counted = 0;
      for (let d = startDay + 1; d <= endDay; d++) if (oracleWorking(d)) counted++;
      return (
        at > start &&
        at.getTime() === endOfShanghaiDay(endDay).getTime() &&
        oracleWorking(endDay) &&
        counted === n &&
        calendarWarning === (epochDayToKey(endDay) > '2026-12-31')
      );
    }),
    { numRuns: 2000 },
  );
  t.pass('after the start, on a working day at 23:59:59, exactly N working days on');
});

t.test('property: monotonic in the start', async (t) => {
  fc.assert(
    fc.property(startArb, startArb, fc.integer({ min: 1, max: 30 }), (a, b, n) => {
      const [early, late] = a <= b ? [a, b] : [b, a];
      return addDuration(early, wd(n), cal).at <= addDuration(late, wd(n), cal).at;
    }),
    { numRuns: 2000 },
  );
  // Dense sweep as well: every hour of 2026, 1 working day, never goes backwards.
  let previous = 0;
  for (let ms = local('2026-01-01T00:00').getTime(); ms < local('2027-01-01T00:00').getTime(); ms += 3_600_000) {
    const at = addDuration(new Date(ms), wd(1), cal).at.getTime();
    if (at < previous) t.fail(`went backwards at ${new Date(ms).toISOString()}`);
    previous = at;
  }
  t.pass('non-decreasing');
});

t.test('property: counting back undoes counting on from a working day', async (t) => {
  fc.assert(
    fc.property(startArb, fc.integer({ min: 1, max: 30 }), (start, n) => {
      const due = addDuration(start, wd(n), cal).at;
      const back = subtractDuration(due, wd(n), cal);
      let lastWorking = shanghaiEpochDay(start);
      while (!oracleWorking(lastWorking)) lastWorking--;
      return back.at.getTime() === endOfShanghaiDay(lastWorking).getTime();
    }),
    { numRuns: 1000 },
  );
  t.pass('subtractDuration(addDuration(s, N), N) is the last working day on or before s');
});

t.test('local-date helpers', async (t) => {
  t.equal(dateKeyToEpochDay('1970-01-01'), 0);
  t.equal(dateKeyToEpochDay('2024-02-29'), dateKeyToEpochDay('2024-02-28')! + 1, 'leap day');
  for (const bad of ['2025-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-4-1', ' 2026-04-01', '']) {
    t.equal(dateKeyToEpochDay(bad), null, `rejects ${JSON.stringify(bad)}`);
  }
  t.equal(epochDayToKey(dateKeyToEpochDay('0099-03-01')!), '0099-03-01', 'two-digit years are not 19xx');
  t.equal(weekdayOf(dateKeyToEpochDay('2026-10-10')!), 6, '2026-10-10 is a Saturday');
  t.equal(weekdayOf(dateKeyToEpochDay('1969-12-31')!), 3, 'before the epoch');
  t.equal(endOfShanghaiDay(dateKeyToEpochDay('2026-10-08')!).toISOString(), '2026-10-08T15:59:59.000Z');
  t.equal(shanghaiEpochDay(new Date('2026-10-07T16:00:00Z')), dateKeyToEpochDay('2026-10-08'));
  t.equal(shanghaiEpochDay(new Date(-1)), dateKeyToEpochDay('1970-01-01'), '1969-12-31T23:59:59.999Z is 07:59 local');
  t.throws(() => shanghaiEpochDay(new Date(Number.NaN)), RangeError);
  fc.assert(
    fc.property(fc.integer({ min: -700_000, max: 2_900_000 }), (day) => dateKeyToEpochDay(epochDayToKey(day)) === day),
  );
});
