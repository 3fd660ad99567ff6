// Deadlines as rows (SPEC §18), pure: pauses and co-handling under the official 2024–2026 calendar,
// by example and by property (fast-check): paused time never makes a ticket late, and a
// co-handling deadline always falls before the lead's, however the lead's moves.
import t from 'tap';
import fc from 'fast-check';
import { OFFICIAL_CALENDARS, WorkCalendar, addDuration, addWorkingMs, workingMsBetween, type Duration } from '../../src/domain/calendar.js';
import { coHandleDue, planDeadlines, recalendarDue, type DeadlinePlanInput } from '../../src/domain/deadline-plan.js';
import { epochDayToKey, isWeekend, shanghaiEpochDay, endOfShanghaiDay } from '../../src/domain/local-date.js';
import { effectiveDue, type DeadlineRecord } from '../../src/domain/escalation.js';
import type { SlaPolicy } from '../../src/domain/sla.js';
import { DomainError } from '../../src/domain/errors.js';

const cal = new WorkCalendar(OFFICIAL_CALENDARS);
const local = (s: string): Date => new Date(`${s}+08:00`);
const wd = (amount: number): Duration => ({ amount, unit: 'working_days' });
const hours = (amount: number): Duration => ({ amount, unit: 'hours' });
const limit = { resolve: wd(15), signOff: wd(1) };
const POLICY: SlaPolicy = {
  kinds: { consult: limit, help: limit, suggest: limit, complaint: limit, report: limit, emergency: limit },
  followUp: wd(2),
  ladders: {
    signOff: { warningBefore: hours(4), escalatedAfter: wd(1), summonsAfter: wd(2) },
    resolve: { warningBefore: wd(1), escalatedAfter: wd(3), summonsAfter: wd(5) },
  },
};
const LIMITS = { signOff: wd(1), resolve: wd(15), followUp: wd(2), coHandleBefore: wd(3) };

function resolveRow(startedAt: Date, dueAt: Date, patch: Partial<DeadlineRecord> = {}): DeadlineRecord {
  return { id: '1', kind: 'resolve', departmentCode: 'cj', startedAt, dueAt, level: null, pausedAt: null, pausedMs: 0, nextStepAt: null, ...patch };
}
const plan = (open: DeadlineRecord[], effects: DeadlinePlanInput['effects'], now: Date, status = 'in_progress') =>
  planDeadlines({ status, departmentCode: 'cj', open, effects, now, limits: LIMITS, policy: POLICY, calendar: cal });

// Instants 2024-01-02 … 2026-12-20 (inside the official calendars), to the second.
const instant = fc.integer({ min: local('2024-01-02T00:00:00').getTime() / 1000, max: local('2026-12-20T00:00:00').getTime() / 1000 })
  .map((s) => new Date(s * 1000));

t.test('a pause by example: Thu 10:00 to the next Thu 10:00 is 5 working days', async (t) => {
  const due = local('2026-12-16T23:59:59');
  const paused = plan([resolveRow(local('2026-11-25T10:00:00'), due)], [{ type: 'pause_clock' }], local('2026-12-10T10:00:00'));
  t.match(paused.open[0], { pausedAt: local('2026-12-10T10:00:00'), nextStepAt: null }, 'no step while paused');
  const resumed = plan(paused.open, [{ type: 'resume_clock' }], local('2026-12-17T10:00:00'));
  t.same(resumed.open[0].dueAt, local('2026-12-23T23:59:59'));
  t.equal(resumed.open[0].pausedMs, 5 * 24 * 3600_000);
  t.same(resumed.open[0].nextStepAt, local('2026-12-22T23:59:59'), 'the warning re-planned');
  // Across the 2026 National Day holiday (10-01…10-07 rest days): the last hour of Wed 09-30 and the
  // whole of Thu 10-08 count, nothing in between.
  t.equal(workingMsBetween(local('2026-09-30T23:00:00'), local('2026-10-09T00:00:00'), cal), 25 * 3600_000);
  t.same(addWorkingMs(local('2026-09-30T23:00:00'), 2 * 3600_000, cal), local('2026-10-08T01:00:00'));
});

t.test('property: paused time never makes a ticket late', async (t) => {
  fc.assert(
    fc.property(instant, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 40 * 24 * 3600 }), fc.integer({ min: 1, max: 60 * 24 * 3600 }),
      (start, days, pauseAfterS, pauseForS) => {
        const due = addDuration(start, wd(days), cal).at;
        const p = new Date(Math.min(start.getTime() + pauseAfterS * 1000, due.getTime() - 1000));
        if (p < start) return true;
        const r = new Date(p.getTime() + pauseForS * 1000);
        const row = resolveRow(start, due);
        const paused = plan([row], [{ type: 'pause_clock' }], p).open[0];
        const resumed = plan([paused], [{ type: 'resume_clock' }], r).open[0];
        // Paused before its deadline, the ticket is not late at the resume, whatever the pause spanned…
        if (!(resumed.dueAt.getTime() > r.getTime())) return false;
        // …and keeps exactly the working time it had left when paused.
        if (workingMsBetween(r, resumed.dueAt, cal) !== workingMsBetween(p, due, cal)) return false;
        // A reply during the pause is judged against the due instant the resume would give.
        return effectiveDue(paused, r, cal).getTime() === resumed.dueAt.getTime();
      }),
    { numRuns: 300, seed: 18 },
  );
  t.pass('300 pauses');
});

t.test('property: co-handling deadlines always fall before the lead\'s', async (t) => {
  const before = fc.oneof(
    fc.integer({ min: 0, max: 10 }).map(wd),
    fc.integer({ min: 1, max: 72 }).map(hours),
  );
  fc.assert(
    fc.property(instant, fc.integer({ min: 1, max: 20 }), before, fc.integer({ min: 0, max: 3 }), fc.option(fc.integer({ min: 1, max: 10 })),
      (now, days, coBefore, extra, shortenTo) => {
        const due = addDuration(now, wd(days), cal).at;
        if (coHandleDue(now, due, coBefore, cal).getTime() >= due.getTime()) return false;
        const limits = { ...LIMITS, coHandleBefore: coBefore };
        const codes = ['sw', 'hb', 'mz'].slice(0, extra + 1);
        const input = { status: 'in_progress', departmentCode: 'cj', now, limits, policy: POLICY, calendar: cal };
        let rows = planDeadlines({ ...input, open: [resolveRow(now, due)], effects: [{ type: 'start_cohandle_clocks', departmentCodes: codes }] }).open;
        if (shortenTo !== null) {
          try {
            rows = planDeadlines({ ...input, open: rows.map((r, i) => ({ ...r, id: String(i + 1) })), effects: [{ type: 'shorten_resolve', within: wd(shortenTo) }] }).open;
          } catch (e) {
            if (!(e instanceof DomainError) || e.code !== 'VALIDATION_FAILED') throw e; // not shorter: refused
          }
        }
        const lead = rows.find((r) => r.kind === 'resolve')!;
        const co = rows.filter((r) => r.kind === 'co_handle');
        return co.length === codes.length && co.every((r) => r.dueAt.getTime() < lead.dueAt.getTime());
      }),
    { numRuns: 300, seed: 18 },
  );
  t.pass('300 co-handled tickets');
});

t.test('a leader\'s instruction only shortens, from the resolve clock\'s start', async (t) => {
  const start = local('2026-11-25T10:00:00');
  const row = resolveRow(start, local('2026-12-16T23:59:59'), { level: 'warning' });
  const shorter = plan([row], [{ type: 'shorten_resolve', within: wd(5) }], local('2026-11-26T10:00:00'));
  t.same(shorter.open[0].dueAt, local('2026-12-02T23:59:59'), '5 working days from Wed 11-25');
  t.equal(shorter.open[0].level, null, 'the ladder starts over on the new deadline');
  t.throws(() => plan([row], [{ type: 'shorten_resolve', within: wd(20) }], local('2026-11-26T10:00:00')), { code: 'VALIDATION_FAILED' });
  t.throws(() => plan([], [{ type: 'shorten_resolve', within: wd(5) }], local('2026-11-26T10:00:00'), 'replied'), { code: 'VALIDATION_FAILED' });
});

t.test('property: a calendar change moves exactly the deadlines whose working days changed', async (t) => {
  const y2026 = OFFICIAL_CALENDARS.find((c) => c.year === 2026)!;
  const others = OFFICIAL_CALENDARS.filter((c) => c.year !== 2026);
  const first = shanghaiEpochDay(local('2026-01-01T12:00:00'));
  let moved = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: first - 40, max: first + 330 }), fc.integer({ min: 1, max: 20 }), fc.uniqueArray(fc.integer({ min: 0, max: 364 }), { maxLength: 6 }),
      (startDay, n, toggles) => {
        // Each toggled day of 2026 flips: a working weekday becomes a holiday, a weekend day a make-up workday.
        const holidays = new Set(y2026.holidays);
        const workdays = new Set(y2026.workdays);
        for (const d of toggles.map((x) => first + x)) {
          const key = epochDayToKey(d);
          if (cal.isWorkingEpochDay(d)) {
            if (workdays.has(key)) workdays.delete(key);
            else holidays.add(key);
          } else if (holidays.has(key)) holidays.delete(key);
          else if (isWeekend(d)) workdays.add(key);
        }
        const after = new WorkCalendar([...others, { year: 2026, holidays: [...holidays], workdays: [...workdays].filter((k) => !holidays.has(k)) }]);
        const start = new Date(endOfShanghaiDay(startDay).getTime() - 5 * 3600_000);
        const due = addDuration(start, wd(n), cal).at;
        // The n working days after the start, under each calendar, counted day by day.
        const days = (c: WorkCalendar) => {
          const out: number[] = [];
          for (let d = startDay + 1; out.length < n; d++) if (c.isWorkingEpochDay(d)) out.push(d);
          return out;
        };
        const same = days(cal).join() === days(after).join();
        const got = recalendarDue(start, due, cal, after);
        if (same) return got === null;
        moved++;
        return got !== null && got.getTime() === endOfShanghaiDay(days(after)[n - 1]).getTime();
      },
    ),
    { numRuns: 400, seed: 18 },
  );
  t.ok(moved > 20, `some changes moved deadlines (${moved}), others did not`);
  // Hours do not depend on the calendar; neither does a due instant a pause shifted off a day's end.
  const start = local('2026-11-25T10:00:00');
  t.equal(recalendarDue(start, new Date(start.getTime() + 24 * 3600_000), cal, new WorkCalendar(OFFICIAL_CALENDARS)), null);
});
