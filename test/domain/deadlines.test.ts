// The escalation ladder (SPEC §7) under the default ladders and the official 2024–2026 calendar:
// hand-computed instants (weekends, the 2026 National Day block and its make-up Saturday, the
// short-limit rule), which steps a sweep applies, the next step to schedule, and properties over
// random starts and limits.

import t, { type Test } from 'tap';
import fc from 'fast-check';
import { OFFICIAL_CALENDARS, WorkCalendar, addDuration, type Duration } from '../../src/domain/calendar.js';
import { LEVELS, dueSteps, durationZh, escalationMessage, ladderTimes, levelRank, nextStepAt, type LadderTimes, type Level } from '../../src/domain/deadlines.js';
import type { Ladder } from '../../src/domain/sla.js';

const cal = new WorkCalendar(OFFICIAL_CALENDARS);
const local = (s: string): Date => new Date(`${s}+08:00`);
const endOf = (key: string): Date => local(`${key}T23:59:59`);
const wd = (amount: number): Duration => ({ amount, unit: 'working_days' });
const hours = (amount: number): Duration => ({ amount, unit: 'hours' });
const minutes = (amount: number): Duration => ({ amount, unit: 'minutes' });

// The defaults of migrations/0002_seed_calendar_and_sla.sql.
const RESOLVE: Ladder = { warningBefore: wd(1), escalatedAfter: wd(3), summonsAfter: wd(5) };
const SIGN_OFF: Ladder = { warningBefore: hours(4), escalatedAfter: wd(1), summonsAfter: wd(2) };

/** The ladder of a deadline that starts at `start` and runs for `limit`. */
function ladderFor(start: Date, limit: Duration, ladder: Ladder = RESOLVE, calendar = cal): LadderTimes {
  return ladderTimes(start, addDuration(start, limit, calendar).at, ladder, calendar);
}

/** Step instants as ISO strings, so a failing comparison prints readable times. */
function iso(times: LadderTimes): Record<Level, string> & { calendarWarning: boolean } {
  return {
    warning: times.warning.toISOString(),
    overdue: times.overdue.toISOString(),
    escalated: times.escalated.toISOString(),
    summons: times.summons.toISOString(),
    calendarWarning: times.calendarWarning,
  };
}

function expectLadder(
  t: Test,
  times: LadderTimes,
  want: { warning: Date; overdue: Date; escalated: Date; summons: Date; calendarWarning?: boolean },
  name: string,
): void {
  t.same(
    iso(times),
    iso({ ...want, calendarWarning: want.calendarWarning ?? false }),
    name,
  );
}

t.test('complaint received Wed 2026-11-25 10:00: 15 working days, then the resolve ladder', async (t) => {
  const start = local('2026-11-25T10:00');
  const due = addDuration(start, wd(15), cal);
  // Thu 11-26 (1), Fri 27, Mon 30, Tue 12-01, Wed 02 (5), Thu 03, Fri 04, Mon 07, Tue 08, Wed 09 (10),
  // Thu 10, Fri 11, Mon 14, Tue 15, Wed 16 (15).
  t.equal(due.at.toISOString(), '2026-12-16T15:59:59.000Z', 'due Wed 2026-12-16 23:59:59 +08');
  t.equal(due.calendarWarning, false);
  expectLadder(t, ladderTimes(start, due.at, RESOLVE, cal), {
    warning: endOf('2026-12-15'), // the working day before due, at its end
    overdue: endOf('2026-12-16'),
    escalated: endOf('2026-12-21'), // Thu 17, Fri 18, (weekend 19–20), Mon 21
    summons: endOf('2026-12-23'), // … Tue 22, Wed 23
  }, 'warning Tue 12-15, overdue Wed 12-16, escalated Mon 12-21, summons Wed 12-23 (all 23:59:59 +08)');
  t.equal(endOf('2026-12-21').toISOString(), '2026-12-21T15:59:59.000Z', 'stored in UTC: 8 hours behind Shanghai');
});

t.test('a due Monday warns on the Friday before it and escalates across the next weekend', async (t) => {
  // Mon 2026-11-23 + 15 working days: Tue 24 … Fri 12-11 (14), Mon 12-14 (15).
  const times = ladderFor(local('2026-11-23T10:00'), wd(15));
  expectLadder(t, times, {
    warning: endOf('2026-12-11'), // Fri, back across the weekend of 12-12/13
    overdue: endOf('2026-12-14'),
    escalated: endOf('2026-12-17'), // Tue 15, Wed 16, Thu 17
    summons: endOf('2026-12-21'), // Fri 18, (weekend), Mon 21
  }, 'warning Fri 12-11, overdue Mon 12-14, escalated Thu 12-17, summons Mon 12-21');
});

t.test('across the 2026 National Day holiday (10-01…10-07 off, Sat 10-10 worked)', async (t) => {
  // Thu 09-10 + 15 working days: Fri 11 (1), Mon 14 … Fri 18 (6), Sun 20 make-up (7), Mon 21 … Thu 24
  // (11), 中秋 Fri 25 – Sun 27 off, Mon 28, Tue 29, Wed 30 (14), 国庆 10-01…10-07 off, Thu 10-08 (15).
  const complaint = ladderFor(local('2026-09-10T10:00'), wd(15));
  const expected = {
    warning: endOf('2026-09-30'), // the working day before Thu 10-08 is Wed 09-30, a week earlier
    overdue: endOf('2026-10-08'),
    escalated: endOf('2026-10-12'), // Fri 10-09, Sat 10-10 (make-up), Mon 10-12
    summons: endOf('2026-10-14'), // Tue 10-13, Wed 10-14
  };
  expectLadder(t, complaint, expected, 'complaint received Thu 09-10: due Thu 10-08');

  // A consult (2 working days) received Tue 09-29: Wed 09-30 (1), Thu 10-08 (2). The limit spans nine
  // calendar days but exactly twice warningBefore (2 working days), so it is not a short limit.
  const consult = ladderFor(local('2026-09-29T10:00'), wd(2));
  expectLadder(t, consult, expected, 'consult received Tue 09-29: same due, same ladder, warning not at 80 %');

  // Without the make-up Saturday the escalation would fall a day later.
  const noMakeUp = new WorkCalendar(
    OFFICIAL_CALENDARS.map((y) => (y.year === 2026 ? { ...y, workdays: y.workdays.filter((d) => d !== '2026-10-10') } : y)),
  );
  t.equal(ladderFor(local('2026-09-10T10:00'), wd(15), RESOLVE, noMakeUp).escalated.toISOString(), endOf('2026-10-13').toISOString(),
    'the make-up Saturday counts as a working day');

  // An emergency received Wed 09-30 10:00 falls due on the holiday 10-01 10:00; the ladder counts on
  // from that instant over working days only.
  const emergency = ladderFor(local('2026-09-30T10:00'), hours(24));
  expectLadder(t, emergency, {
    warning: local('2026-10-01T05:12'), // short limit: 80 % of 24 h = 19 h 12 min after the start
    overdue: local('2026-10-01T10:00'),
    escalated: endOf('2026-10-10'), // Thu 10-08, Fri 10-09, Sat 10-10 (make-up)
    summons: endOf('2026-10-13'), // Mon 10-12, Tue 10-13
  }, 'emergency due on a holiday');
});

t.test('short limits: the warning comes at 80 % of the limit', async (t) => {
  const start = local('2026-11-25T10:00');
  // Emergency resolve 24 hours with warningBefore 1 working day: twice warningBefore from the start
  // runs to Fri 11-27 23:59:59, later than the due Thu 11-26 10:00, so the limit is short.
  expectLadder(t, ladderFor(start, hours(24)), {
    warning: local('2026-11-26T05:12'), // 10:00 + 19 h 12 min
    overdue: local('2026-11-26T10:00'),
    escalated: endOf('2026-12-01'), // Fri 11-27, Mon 11-30, Tue 12-01
    summons: endOf('2026-12-03'), // Wed 12-02, Thu 12-03
  }, 'emergency 24 h received Wed 10:00');

  // Minute scale: limit 10 minutes, warningBefore 6 → 10 < 12, warning at 8 minutes.
  const fast: Ladder = { warningBefore: minutes(6), escalatedAfter: minutes(3), summonsAfter: minutes(5) };
  expectLadder(t, ladderFor(start, minutes(10), fast), {
    warning: local('2026-11-25T10:08'),
    overdue: local('2026-11-25T10:10'),
    escalated: local('2026-11-25T10:13'),
    summons: local('2026-11-25T10:15'),
  }, 'limit 10 min, warningBefore 6 min: the whole ladder runs in minutes');
  t.equal(ladderFor(start, minutes(11), fast).warning.toISOString(), local('2026-11-25T10:08:48').toISOString(),
    'limit 11 min: warning at 8 min 48 s');
  t.equal(ladderFor(start, minutes(12), fast).warning.toISOString(), local('2026-11-25T10:06').toISOString(),
    'limit exactly twice warningBefore is not short: 6 min before due');
  t.equal(ladderFor(start, minutes(20), fast).warning.toISOString(), local('2026-11-25T10:14').toISOString(),
    'limit 20 min: 6 min before due');

  // Sign-off ladder: emergency sign-off 2 h with warningBefore 4 h → warning at 96 min.
  expectLadder(t, ladderFor(start, hours(2), SIGN_OFF), {
    warning: local('2026-11-25T11:36'),
    overdue: local('2026-11-25T12:00'),
    escalated: endOf('2026-11-26'),
    summons: endOf('2026-11-27'),
  }, 'emergency sign-off 2 h');
});

t.test('a limit that spans a weekend is not mistaken for a short one', async (t) => {
  // Consult received Thu 11-26 10:00: due Mon 11-30 23:59:59 (Fri 27, Mon 30). Twice warningBefore
  // from the start is the same Monday, so the limit is not short: the warning is the end of Friday,
  // not 80 % of the 86 elapsed hours (a Sunday evening).
  expectLadder(t, ladderFor(local('2026-11-26T10:00'), wd(2)), {
    warning: endOf('2026-11-27'),
    overdue: endOf('2026-11-30'),
    escalated: endOf('2026-12-03'),
    summons: endOf('2026-12-07'), // Tue 1, Wed 2, Thu 3, Fri 4, (weekend), Mon 7
  }, 'consult received Thu 11-26');
  // One working day is short (less than twice warningBefore): 80 % of Fri 11-27 10:00 → Mon 11-30 23:59:59.
  const oneDay = ladderFor(local('2026-11-27T10:00'), wd(1));
  const limitMs = endOf('2026-11-30').getTime() - local('2026-11-27T10:00').getTime();
  t.equal(oneDay.warning.getTime(), local('2026-11-27T10:00').getTime() + Math.floor(limitMs * 0.8), 'a 1-working-day limit is short');
  t.equal(oneDay.warning.toISOString(), '2026-11-29T22:47:59.200Z', 'Mon 11-30 06:47:59.2 +08 (Fri 10:00 + 68 h 47 min 59.2 s)');
});

t.test('the sign-off ladder: warning 4 hours before, then 1 and 2 working days after', async (t) => {
  // Assigned Fri 2026-11-27 16:00, sign-off due 1 working day later: Mon 11-30 23:59:59.
  expectLadder(t, ladderFor(local('2026-11-27T16:00'), wd(1), SIGN_OFF), {
    warning: local('2026-11-30T19:59:59'),
    overdue: endOf('2026-11-30'),
    escalated: endOf('2026-12-01'),
    summons: endOf('2026-12-02'),
  }, 'assigned Friday afternoon');
});

t.test('a warningBefore of zero warns at the due instant, never after it', async (t) => {
  const start = local('2026-11-25T10:00');
  for (const zero of [wd(0), hours(0), minutes(0)]) {
    const times = ladderFor(start, hours(30), { ...RESOLVE, warningBefore: zero });
    t.equal(times.warning.toISOString(), local('2026-11-26T16:00').toISOString(), `warningBefore 0 ${zero.unit}`);
  }
});

t.test('an absurdly long warningBefore is accepted, not a crash', async (t) => {
  // The admin schema allows up to 10 000 working days; twice that must not trip addDuration's bound.
  const times = ladderFor(local('2026-11-25T10:00'), wd(15), { ...RESOLVE, warningBefore: wd(10_000) });
  t.equal(times.warning.toISOString(), local('2026-12-12T16:23:59.200').toISOString(), 'a short limit: 80 % of it (10:00 + 17 d 6 h 23 min 59.2 s)');
});

t.test('calendarWarning when the steps run into a year without calendar data (2027)', async (t) => {
  // Thu 2026-12-10 + 15 working days: Fri 11 … Thu 12-31 (15). 2027 counts Mon–Fri: Fri 01-01 is a
  // working day there (no 元旦 holiday known).
  const due = addDuration(local('2026-12-10T10:00'), wd(15), cal);
  t.equal(due.at.toISOString(), endOf('2026-12-31').toISOString());
  t.equal(due.calendarWarning, false, 'the due date itself stays inside 2026');
  expectLadder(t, ladderTimes(local('2026-12-10T10:00'), due.at, RESOLVE, cal), {
    warning: endOf('2026-12-30'),
    overdue: endOf('2026-12-31'),
    escalated: endOf('2027-01-05'), // Fri 01-01, Mon 01-04, Tue 01-05
    summons: endOf('2027-01-07'),
    calendarWarning: true,
  }, 'escalation in 2027 is flagged');
  const inside = ladderFor(local('2026-11-25T10:00'), wd(15));
  t.equal(inside.calendarWarning, false, 'a ladder inside 2026 is not flagged');
  // With 2027 known, the same ladder is no longer flagged.
  const with2027 = new WorkCalendar([...OFFICIAL_CALENDARS, { year: 2027, holidays: ['2027-01-01'], workdays: [] }]);
  const known = ladderTimes(local('2026-12-10T10:00'), due.at, RESOLVE, with2027);
  t.equal(known.calendarWarning, false, 'not flagged once 2027 is configured');
  t.equal(known.escalated.toISOString(), endOf('2027-01-06').toISOString(), 'and the 2027 holiday is honoured');
});

t.test('levelRank orders the ladder', async (t) => {
  t.equal(levelRank(null), 0);
  t.same(LEVELS.map(levelRank), [1, 2, 3, 4]);
  t.same([...LEVELS], ['warning', 'overdue', 'escalated', 'summons']);
});

t.test('dueSteps: what a sweep applies', async (t) => {
  const times = ladderFor(local('2026-11-25T10:00'), wd(15));
  const ms = (d: Date, delta = 0): Date => new Date(d.getTime() + delta);

  t.same(dueSteps(times, null, local('2026-11-25T10:00')), [], 'nothing at the start');
  t.same(dueSteps(times, null, ms(times.warning, -1)), [], 'nothing a millisecond before the warning');
  t.same(dueSteps(times, null, times.warning), ['warning'], 'the warning at its instant');
  t.same(dueSteps(times, null, ms(times.overdue, -1)), ['warning']);
  t.same(dueSteps(times, null, times.overdue), ['warning', 'overdue'], 'a sweep that missed the warning applies both, in order');
  t.same(dueSteps(times, 'warning', times.overdue), ['overdue'], 'the warning already applied is not repeated');
  t.same(dueSteps(times, null, local('2027-01-01T00:00')), ['warning', 'overdue', 'escalated', 'summons'],
    'a late sweep after summons time from no level applies all four in order');
  t.same(dueSteps(times, 'overdue', times.summons), ['escalated', 'summons'], 'only the steps above the current level');
  t.same(dueSteps(times, 'escalated', ms(times.summons, -1)), [], 'summons not yet due');
  t.same(dueSteps(times, 'summons', local('2030-01-01T00:00')), [], 'nothing above summons');
  const afterAll = local('2027-01-01T00:00');
  for (const level of LEVELS) {
    t.same(dueSteps(times, level, times[level]), [], `at the ${level} instant with ${level} applied: nothing again`);
    t.same(dueSteps(times, level, afterAll), LEVELS.slice(levelRank(level)),
      `${level} applied, everything passed: only the steps above ${level}`);
  }
});

t.test('nextStepAt: the instant to schedule for each level', async (t) => {
  const times = ladderFor(local('2026-11-25T10:00'), wd(15));
  t.equal(nextStepAt(times, null)?.toISOString(), endOf('2026-12-15').toISOString(), 'none applied → warning');
  t.equal(nextStepAt(times, 'warning')?.toISOString(), endOf('2026-12-16').toISOString(), 'warning → overdue');
  t.equal(nextStepAt(times, 'overdue')?.toISOString(), endOf('2026-12-21').toISOString(), 'overdue → escalated');
  t.equal(nextStepAt(times, 'escalated')?.toISOString(), endOf('2026-12-23').toISOString(), 'escalated → summons');
  t.equal(nextStepAt(times, 'summons'), null, 'null at the top');
});

// ─── properties ─────────────────────────────────────────────────────────────────────────────────

const startArb = fc.date({ min: local('2024-01-01T00:00'), max: local('2026-12-31T23:59:59.999'), noInvalidDate: true });
const limitArb: fc.Arbitrary<Duration> = fc.oneof(
  fc.integer({ min: 1, max: 30 }).map(wd),
  fc.integer({ min: 1, max: 72 }).map(hours),
  fc.integer({ min: 1, max: 30 }).map((amount): Duration => ({ amount, unit: 'days' })),
  fc.double({ min: 0.5, max: 600, noNaN: true }).map(minutes),
);
const warningBeforeArb: fc.Arbitrary<Duration> = fc.oneof(
  fc.integer({ min: 0, max: 3 }).map(wd),
  fc.integer({ min: 0, max: 12 }).map(hours),
  fc.integer({ min: 0, max: 120 }).map(minutes),
);
const ladderArb = fc.constantFrom(RESOLVE, SIGN_OFF);
const order = (times: LadderTimes): boolean =>
  times.warning <= times.overdue && times.overdue < times.escalated && times.escalated < times.summons;

t.test('property: warning ≤ overdue < escalated < summons', async (t) => {
  fc.assert(
    fc.property(startArb, limitArb, ladderArb, (start, limit, ladder) => {
      const times = ladderFor(start, limit, ladder);
      return order(times) && times.warning >= start;
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(startArb, limitArb, warningBeforeArb, (start, limit, warningBefore) => order(ladderFor(start, limit, { ...RESOLVE, warningBefore }))),
    { numRuns: 2000 },
  );
  t.pass('ordered for the default ladders and for any warningBefore, zero included');
});

t.test('property: the steps are monotonic in the due instant', async (t) => {
  fc.assert(
    fc.property(startArb, limitArb, limitArb, ladderArb, (start, a, b, ladder) => {
      const [x, y] = [addDuration(start, a, cal).at, addDuration(start, b, cal).at];
      const [early, late] = x <= y ? [x, y] : [y, x];
      const e = ladderTimes(start, early, ladder, cal);
      const l = ladderTimes(start, late, ladder, cal);
      if (!(e.overdue <= l.overdue && e.escalated <= l.escalated && e.summons <= l.summons)) return false;
      // The warning is monotonic on each side of the short-limit threshold (SPEC: below twice
      // warningBefore it jumps to 80 % of the limit, which can be later than warningBefore ahead of a
      // slightly longer limit).
      const twice = addDuration(start, { ...ladder.warningBefore, amount: 2 * ladder.warningBefore.amount }, cal).at;
      const shortE = early < twice;
      const shortL = late < twice;
      return shortE !== shortL || e.warning <= l.warning;
    }),
    { numRuns: 2000 },
  );
  // Dense sweep: start fixed, due every 10 minutes over a month; steps other than the warning never go back.
  const start = local('2026-09-20T09:00');
  let prev: LadderTimes | null = null;
  let backwards = 0;
  for (let ms = start.getTime(); ms < local('2026-10-20T00:00').getTime(); ms += 600_000) {
    const cur = ladderTimes(start, new Date(ms), RESOLVE, cal);
    if (prev && (cur.escalated < prev.escalated || cur.summons < prev.summons)) backwards++;
    prev = cur;
  }
  t.equal(backwards, 0, 'escalated and summons never go back as due moves on');
});

t.test('property: dueSteps from no level is a prefix of LEVELS that grows with now', async (t) => {
  fc.assert(
    fc.property(startArb, limitArb, ladderArb, fc.double({ min: -0.1, max: 1.2, noNaN: true }), fc.double({ min: -0.1, max: 1.2, noNaN: true }),
      (start, limit, ladder, f1, f2) => {
        const times = ladderFor(start, limit, ladder);
        const span = times.summons.getTime() - start.getTime();
        const at = (f: number): Date => new Date(start.getTime() + Math.round(f * span));
        const [n1, n2] = f1 <= f2 ? [at(f1), at(f2)] : [at(f2), at(f1)];
        const s1 = dueSteps(times, null, n1);
        const s2 = dueSteps(times, null, n2);
        const isPrefix = (s: Level[]): boolean => s.every((l, i) => l === LEVELS[i]);
        const expected = LEVELS.filter((l) => times[l] <= n2);
        return isPrefix(s1) && isPrefix(s2) && s1.length <= s2.length && s2.length === expected.length;
      }),
    { numRuns: 2000 },
  );
  t.pass('prefix, non-decreasing in now');
});

t.test('property: calendarWarning exactly when a counted day falls in 2027', async (t) => {
  let flagged = 0;
  fc.assert(
    fc.property(startArb, limitArb, ladderArb, (start, limit, ladder) => {
      const times = ladderFor(start, limit, ladder);
      const into2027 = times.summons >= local('2027-01-01T00:00');
      if (times.calendarWarning) flagged++;
      return times.calendarWarning === into2027;
    }),
    { numRuns: 3000 },
  );
  // The generators reach late December often enough for both outcomes to be exercised.
  const late = fc.date({ min: local('2026-11-20T00:00'), max: local('2026-12-31T23:59:59.999'), noInvalidDate: true });
  fc.assert(
    fc.property(late, limitArb, ladderArb, (start, limit, ladder) => {
      const times = ladderFor(start, limit, ladder);
      if (times.calendarWarning) flagged++;
      return times.calendarWarning === times.summons >= local('2027-01-01T00:00');
    }),
    { numRuns: 1000 },
  );
  t.ok(flagged > 0, `some ladders ran into 2027 (${flagged})`);
});

t.test('escalation messages follow the ladder in force and name the deadline', async (t) => {
  const ladders = {
    signOff: { warningBefore: { amount: 2, unit: 'hours' as const }, escalatedAfter: { amount: 1, unit: 'minutes' as const }, summonsAfter: { amount: 2, unit: 'working_days' as const } },
    resolve: { warningBefore: { amount: 1, unit: 'working_days' as const }, escalatedAfter: { amount: 3, unit: 'working_days' as const }, summonsAfter: { amount: 0.5, unit: 'minutes' as const } },
  };
  t.equal(escalationMessage('escalated', 'signOff', ladders), '督办：工单超过签收期限1分钟仍未签收');
  t.equal(escalationMessage('escalated', 'resolve', ladders), '督办：工单超过办理期限3个工作日仍未办结');
  t.equal(escalationMessage('summons', 'resolve', ladders), '约谈：工单超过办理期限30秒仍未办结');
  t.equal(escalationMessage('overdue', 'signOff', ladders), '逾期：工单已超过签收期限，仍未签收（催办）');
  t.match(escalationMessage('warning', 'signOff', ladders), '期限前2小时');
  t.match(escalationMessage('warning', null, ladders), '办理期限', 'an unnamed old step is about the handling deadline');
  t.equal(durationZh({ amount: 0.016666666666666666, unit: 'minutes' }), '1秒');
  t.equal(durationZh({ amount: 24, unit: 'hours' }), '24小时');
});
