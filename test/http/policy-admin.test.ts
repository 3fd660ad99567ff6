// Admin policy API (SPEC §7, §12): the holiday calendar per year and the SLA policy, against a real
// Postgres — seeded values, validation details with index paths in Chinese, new limits applying to
// the next registration, /readyz's calendar warning, and an audit row for every change.
import t from 'tap';
import { json, registrationRequest, setupApp, staffSession, type Session } from '../helpers/app.js';
import { expectInvalid } from '../helpers/tickets.js';
import { TestClock } from '../helpers/clock.js';

// Wed 2026-11-25 09:30 +08: the current year is 2026, the next (2027) has no calendar yet.
const clock = new TestClock('2026-11-25T01:30:00Z');
const ctx = await setupApp(t, { clock });
const admin = await staffSession(ctx, ['admin']);
const clerk = await staffSession(ctx, ['clerk']);

type Method = 'GET' | 'PUT';
const call = (method: Method, url: string, payload?: unknown, session: Session | null = admin) =>
  ctx.app.inject({
    method,
    url: `/api/v1/admin${url}`,
    headers: session?.headers ?? {},
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });

async function auditRows(action: string): Promise<{ actor: string; target: string; data: any }[]> {
  const { rows } = await ctx.db.pool.query('SELECT actor, target, data FROM audit_log WHERE action = $1 ORDER BY id', [action]);
  return rows;
}

async function calendarRows(): Promise<number[]> {
  return (await ctx.db.pool.query('SELECT year FROM calendar_years ORDER BY year')).rows.map((r: { year: number }) => r.year);
}

// ─── calendar ──────────────────────────────────────────────────────────────────────────────────

t.test('GET /admin/calendar/2026 returns the seeded arrangement', async (t) => {
  const res = await call('GET', '/calendar/2026');
  t.equal(res.statusCode, 200, res.body);
  const body = json(res);
  t.equal(body.year, 2026);
  t.equal(body.configured, true);
  t.equal(body.holidays.length, 33, '33 rest days in 2026');
  t.same(body.holidays.slice(0, 3), ['2026-01-01', '2026-01-02', '2026-01-03'], '元旦');
  t.same(body.holidays.slice(-7), ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'], '国庆');
  t.same(body.workdays, ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
  t.same(body.holidays, [...body.holidays].sort(), 'sorted');
});

t.test('GET a year without data answers configured: false', async (t) => {
  const res = await call('GET', '/calendar/2030');
  t.equal(res.statusCode, 200, res.body);
  t.same(json(res), { year: 2030, holidays: [], workdays: [], configured: false });
});

t.test('calendar validation names the index path in Chinese and stores nothing', async (t) => {
  const years = await calendarRows();
  const audits = (await auditRows('calendar.put')).length;
  const ok = { holidays: ['2028-01-01'], workdays: [] as string[] };
  const cases: [string, unknown, string, RegExp][] = [
    ['a date outside the year', { ...ok, holidays: ['2028-01-01', '2027-12-31'] }, 'holidays[1]', /不在 2028 年内/],
    ['a day in both lists', { holidays: ['2028-01-01', '2028-01-02'], workdays: ['2028-01-02'] }, 'workdays[0]', /不能同时是节假日和调休上班日/],
    ['a duplicate', { ...ok, holidays: ['2028-01-01', '2028-05-01', '2028-01-01'] }, 'holidays[2]', /重复/],
    ['a bad format', { ...ok, holidays: ['2028-01-01', '2028-5-1'] }, 'holidays[1]', /YYYY-MM-DD/],
    ['a date that does not exist', { ...ok, holidays: ['2028-02-30'] }, 'holidays[0]', /不是有效日期/],
    ['not a string', { ...ok, workdays: [20280101] }, 'workdays[0]', /文本/],
    ['a make-up workday on a weekday', { ...ok, workdays: ['2028-01-03'] }, 'workdays[0]', /不是周六或周日/], // Mon
    ['an unknown field', { ...ok, note: '元旦' }, 'note', /未知字段/],
    ['workdays missing', { holidays: ['2028-01-01'] }, 'workdays', /必填/],
    ['year in the body', { ...ok, year: 2028 }, 'year', /未知字段/],
  ];
  for (const [name, body, path, message] of cases) expectInvalid(t, await call('PUT', '/calendar/2028', body), path, name, message);

  const several = json(await call('PUT', '/calendar/2028', { holidays: ['2027-01-01', '2028-01-01', '2028-01-01'], workdays: ['2028-01-05'] }));
  t.same(several.details.map((d: { path: string }) => d.path), ['holidays[0]', 'holidays[2]', 'workdays[0]'], 'every problem reported at once');

  t.same(await calendarRows(), years, 'no year stored');
  t.equal((await auditRows('calendar.put')).length, audits, 'nothing audited');
  t.equal(json(await call('GET', '/calendar/2028')).configured, false);
});

t.test('a year out of range in the path is 400 naming year', async (t) => {
  for (const year of ['1999', '2101', 'abc', '2026.5']) {
    expectInvalid(t, await call('GET', `/calendar/${year}`), 'year', `GET ${year}`);
    expectInvalid(t, await call('PUT', `/calendar/${year}`, { holidays: [], workdays: [] }), 'year', `PUT ${year}`);
  }
  t.same(await calendarRows(), [2024, 2025, 2026], 'nothing stored');
});

// A made-up arrangement for 2027 (the State Council publishes the real one late in 2026), valid by
// the rules: make-up workdays on weekends, every day inside 2027. Sent out of order on purpose.
const cal2027 = {
  holidays: ['2027-10-01', '2027-01-01', '2027-02-08', '2027-10-04', '2027-02-07'],
  workdays: ['2027-10-09', '2027-02-06'],
};

t.test('PUT a valid 2027 calendar, GET it back sorted, and /readyz stops warning', async (t) => {
  const before = await ctx.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(before.statusCode, 200, 'a missing calendar is not an outage');
  t.equal(json(before).checks.calendar, 'missing 2027');
  t.equal(json(before).checks.redis, 'ok', 'the readiness check pinged Redis');
  t.equal(json(before).warnings.length, 1);
  t.match(json(before).warnings[0], /^2027年节假日安排未配置/);

  const res = await call('PUT', '/calendar/2027', cal2027);
  t.equal(res.statusCode, 200, res.body);
  const sorted = {
    year: 2027,
    holidays: ['2027-01-01', '2027-02-07', '2027-02-08', '2027-10-01', '2027-10-04'],
    workdays: ['2027-02-06', '2027-10-09'],
  };
  t.same(json(res), { ...sorted, affectedTickets: [], applied: false }, 'the answer is the stored, sorted year (no open deadline reaches 2027)');
  t.same(json(await call('GET', '/calendar/2027')), { ...sorted, configured: true }, 'GET returns it sorted');

  const after = await ctx.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(after.statusCode, 200);
  t.equal(json(after).checks.calendar, 'ok', '2026 and 2027 both configured');
  t.same(json(after).warnings, []);

  const audits = await auditRows('calendar.put');
  t.equal(audits.length, 1, 'one audit row');
  t.same(audits[0], { actor: `user:${admin.username}`, target: 'calendar:2027', data: sorted });

  // Replacing the year is a second change, audited again; the old days are gone.
  const replaced = await call('PUT', '/calendar/2027', { holidays: ['2027-01-01'], workdays: [] });
  t.equal(replaced.statusCode, 200, replaced.body);
  t.same(json(await call('GET', '/calendar/2027')), { year: 2027, holidays: ['2027-01-01'], workdays: [], configured: true });
  t.equal((await auditRows('calendar.put')).length, 2, 'a second audit row');
  t.equal(json(await ctx.app.inject({ method: 'GET', url: '/readyz' })).checks.calendar, 'ok');
});

t.test('a new calendar applies to the next deadline computed', async (t) => {
  // Make Fri 2026-11-27 a holiday. A consult (2 working days) received now, Wed 11-25 09:30, then
  // runs Thu 26 (1), Fri 27 (holiday), weekend, Mon 30 (2); with the seeded calendar it was Fri 27.
  const seeded = json(await call('GET', '/calendar/2026'));
  const put = await call('PUT', '/calendar/2026', { holidays: [...seeded.holidays, '2026-11-27'], workdays: seeded.workdays });
  t.equal(put.statusCode, 200, put.body);
  const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'consult', content: '想咨询一下医保缴费的时间' }));
  t.equal(res.statusCode, 201, res.body);
  t.equal(json(res).dueAt, '2026-11-30T15:59:59.000Z', 'Mon 11-30 23:59:59 +08: the new holiday is skipped');
  const restore = await call('PUT', '/calendar/2026', { holidays: seeded.holidays, workdays: seeded.workdays });
  t.equal(restore.statusCode, 200);
  t.same(json(await call('GET', '/calendar/2026')), seeded, 'restored');
});

// ─── SLA ───────────────────────────────────────────────────────────────────────────────────────

const wd = (amount: number) => ({ amount, unit: 'working_days' });
const limits = (signOff: unknown, resolve: unknown) => ({ signOff, resolve });
// migrations/0002_seed_calendar_and_sla.sql
const SEEDED = {
  kinds: {
    consult: limits(wd(1), wd(2)),
    help: limits(wd(1), wd(10)),
    suggest: limits(wd(1), wd(10)),
    complaint: limits(wd(1), wd(15)),
    report: limits(wd(1), wd(15)),
    emergency: limits({ amount: 2, unit: 'hours' }, { amount: 24, unit: 'hours' }),
  },
  followUp: wd(2),
  ladders: {
    signOff: { warningBefore: { amount: 4, unit: 'hours' }, escalatedAfter: wd(1), summonsAfter: wd(2) },
    resolve: { warningBefore: wd(1), escalatedAfter: wd(3), summonsAfter: wd(5) },
  },
};
const clone = <T>(v: T): T => structuredClone(v);

t.test('GET /admin/sla returns the seeded policy', async (t) => {
  const res = await call('GET', '/sla');
  t.equal(res.statusCode, 200, res.body);
  t.same(json(res), SEEDED);
});

t.test('SLA validation names the path and changes nothing', async (t) => {
  const audits = (await auditRows('sla.put')).length;
  const with_ = (edit: (p: any) => void) => {
    const p = clone(SEEDED) as any;
    edit(p);
    return p;
  };
  const cases: [string, unknown, string, RegExp][] = [
    ['fractional working days', with_((p) => (p.kinds.consult.resolve = wd(2.5))), 'kinds.consult.resolve.amount', /整数/],
    ['fractional working days in a ladder', with_((p) => (p.ladders.resolve.escalatedAfter = wd(1.5))), 'ladders.resolve.escalatedAfter.amount', /整数/],
    ['unknown unit', with_((p) => (p.kinds.help.signOff = { amount: 1, unit: 'weeks' })), 'kinds.help.signOff.unit', /取值无效/],
    ['missing kind', with_((p) => delete p.kinds.emergency), 'kinds.emergency', /必填/],
    ['unknown kind', with_((p) => (p.kinds.petition = limits(wd(1), wd(5)))), 'kinds.petition', /未知字段/],
    ['negative amount', with_((p) => (p.followUp = { amount: -1, unit: 'hours' })), 'followUp.amount', /不能小于 0/],
    ['amount as a string', with_((p) => (p.followUp = { amount: '2', unit: 'working_days' })), 'followUp.amount', /数字/],
    ['missing followUp', with_((p) => delete p.followUp), 'followUp', /必填/],
    ['missing ladder step', with_((p) => delete p.ladders.signOff.summonsAfter), 'ladders.signOff.summonsAfter', /必填/],
    ['unknown field in a duration', with_((p) => (p.kinds.report.resolve.strict = true)), 'kinds.report.resolve.strict', /未知字段/],
  ];
  for (const [name, body, path, message] of cases) expectInvalid(t, await call('PUT', '/sla', body), path, name, message);
  t.same(json(await call('GET', '/sla')), SEEDED, 'the policy is unchanged');
  t.equal((await auditRows('sla.put')).length, audits, 'nothing audited');
});

t.test('PUT a changed policy: the next consult ticket gets the new limit', async (t) => {
  const before = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'consult', content: '想问问残疾证怎么办理' }));
  t.equal(before.statusCode, 201, before.body);
  // Default 2 working days from Wed 11-25 09:30: Thu 26, Fri 27 → 2026-11-27 23:59:59 +08.
  t.equal(json(before).dueAt, '2026-11-27T15:59:59.000Z', 'seeded limit before the change');

  const changed = clone(SEEDED);
  changed.kinds.consult.resolve = wd(3);
  const res = await call('PUT', '/sla', changed);
  t.equal(res.statusCode, 200, res.body);
  t.same(json(res), changed);
  t.same(json(await call('GET', '/sla')), changed, 'GET returns the new policy');
  const stored = (await ctx.db.pool.query('SELECT policy FROM sla_policy WHERE id = 1')).rows[0].policy;
  t.same(stored, changed, 'stored');

  const after = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'consult', content: '想问问残疾证怎么办理了' }));
  t.equal(after.statusCode, 201, after.body);
  // 3 working days from Wed 11-25 09:30: Thu 26, Fri 27, (weekend), Mon 30 → 2026-11-30 23:59:59 +08.
  t.equal(json(after).dueAt, '2026-11-30T15:59:59.000Z', 'the new limit applies at once');
  t.equal(json(after).calendarWarning, false);
  // Its first ladder step: 1 working day before due = Fri 11-27 23:59:59 +08 (the limit, 3 working
  // days, is not shorter than twice warningBefore, so the warning is not at 80 %).
  const { rows } = await ctx.db.pool.query(
    `SELECT d.next_step_at FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id WHERE t.ticket_no = $1 AND d.kind = 'resolve' AND d.state = 'open'`,
    [json(after).ticketNo],
  );
  t.equal(rows[0].next_step_at.toISOString(), '2026-11-27T15:59:59.000Z', 'warning scheduled for Friday evening');

  const before2 = json(await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '家里老人需要帮助照看' })));
  // Other kinds keep their limit: help 10 working days → Wed 12-09.
  t.equal(before2.dueAt, '2026-12-09T15:59:59.000Z', 'help keeps 10 working days');

  const audits = await auditRows('sla.put');
  t.equal(audits.length, 1, 'one audit row');
  t.same(audits[0], { actor: `user:${admin.username}`, target: 'sla', data: changed });
});

t.test('fractional minutes are accepted', async (t) => {
  const fast = clone(SEEDED) as any;
  fast.kinds.emergency.signOff = { amount: 0.5, unit: 'minutes' };
  fast.ladders.signOff.warningBefore = { amount: 0.25, unit: 'minutes' };
  const res = await call('PUT', '/sla', fast);
  t.equal(res.statusCode, 200, res.body);
  t.same(json(await call('GET', '/sla')).kinds.emergency.signOff, { amount: 0.5, unit: 'minutes' }, '0.5 minutes stored as sent');
  t.same(json(await call('GET', '/sla')).ladders.signOff.warningBefore, { amount: 0.25, unit: 'minutes' });
  t.equal((await auditRows('sla.put')).length, 2, 'audited');
  const restore = await call('PUT', '/sla', SEEDED);
  t.equal(restore.statusCode, 200);
  t.same(json(await call('GET', '/sla')), SEEDED);
  t.equal((await auditRows('sla.put')).length, 3, 'every change writes an audit row');
});

t.test('only admins may read or change the calendar and the SLA', async (t) => {
  const routes: [Method, string, unknown?][] = [
    ['GET', '/calendar/2026'],
    ['PUT', '/calendar/2029', { holidays: [], workdays: [] }],
    ['GET', '/sla'],
    ['PUT', '/sla', SEEDED],
  ];
  const audits = (await ctx.db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n;
  for (const [method, url, payload] of routes) {
    t.equal((await call(method, url, payload, clerk)).statusCode, 403, `${method} ${url}: clerk 403`);
    t.equal((await call(method, url, payload, null)).statusCode, 401, `${method} ${url}: anonymous 401`);
  }
  t.equal(json(await call('GET', '/calendar/2029')).configured, false, 'nothing stored');
  t.equal((await ctx.db.pool.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n, audits, 'nothing audited');
});

t.test('a calendar change lists the open deadlines it moves; with apply=true they move (SPEC §18)', async (t) => {
  const got = json(await call('GET', '/calendar/2026'));
  const seeded = { holidays: got.holidays, workdays: got.workdays };
  // A consult received Wed 11-25 09:30: due Fri 11-27 23:59:59 +08 (2 working days).
  const reg = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'consult', content: '想问问新农合报销的比例' }));
  const no = json(reg).ticketNo;
  t.equal(json(reg).dueAt, '2026-11-27T15:59:59.000Z');
  const holiday = { holidays: [...seeded.holidays, '2026-11-27'], workdays: seeded.workdays };
  const preview = json(await call('PUT', '/calendar/2026', holiday));
  const mine = preview.affectedTickets.filter((a: { ticketNo: string }) => a.ticketNo === no);
  t.same(mine, [{ ticketNo: no, kind: 'resolve', departmentCode: null, dueAt: '2026-11-27T15:59:59.000Z', newDueAt: '2026-11-30T15:59:59.000Z' }]);
  t.equal(preview.applied, false);
  const ticket = async () => json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: clerk.headers }));
  t.equal((await ticket()).dueAt, '2026-11-27T15:59:59.000Z', 'without apply nothing moves');
  t.equal((await call('PUT', '/calendar/2026', seeded)).statusCode, 200, 'back to the seeded year');

  const applied = json(await ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/calendar/2026?apply=true', headers: admin.headers, payload: holiday }));
  t.equal(applied.applied, true);
  t.ok(applied.affectedTickets.some((a: { ticketNo: string }) => a.ticketNo === no));
  const moved = await ticket();
  t.equal(moved.dueAt, '2026-11-30T15:59:59.000Z', 'moved to Mon 11-30');
  t.match(moved.deadlines.find((d: { kind: string; open: boolean }) => d.kind === 'resolve' && d.open), { dueAt: '2026-11-30T15:59:59.000Z' });
  t.match(moved.timeline.find((e: { type: string }) => e.type === 'deadline_changed'), {
    typeLabel: '期限调整', public: true, deadline: 'resolve', from: '2026-11-27T15:59:59.000Z', to: '2026-11-30T15:59:59.000Z', reason: 'calendar',
  });
  t.equal((await auditRows('calendar.apply')).length, 1, 'the move is audited');
  // Its ladder runs on the new instant: the warning is 1 working day before (Fri 11-27 is a holiday now → Thu 11-26).
  const { rows } = await ctx.db.pool.query(
    `SELECT d.next_step_at FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id WHERE t.ticket_no = $1 AND d.kind = 'resolve' AND d.state = 'open'`, [no]);
  t.ok(rows[0].next_step_at instanceof Date, 'a next step is planned');
  t.equal((await call('PUT', '/calendar/2026', seeded)).statusCode, 200);
});
