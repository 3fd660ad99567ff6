// Office hours (SPEC §18): the admin sets them; a staff reminder raised outside them on working days
// shows in the inbox from the next start (约谈 and emergency tickets at once); a resident SMS raised
// 21:00–08:00 waits for 08:00 unless the ticket is an emergency.
import t from 'tap';
import { json, registrationRequest, setupApp } from '../helpers/app.js';
import { staffCast } from '../helpers/tickets.js';
import { TestClock } from '../helpers/clock.js';
import { sweepDeadlines } from '../../src/services/escalation.service.js';
import { OFFICIAL_CALENDARS, WorkCalendar } from '../../src/domain/calendar.js';
import { nextOfficeInstant, smsNotBefore } from '../../src/domain/office-hours.js';

const clock = new TestClock('2026-11-25T02:00:00Z'); // Wed 10:00 in Shanghai
const ctx = await setupApp(t, { clock });
const { as, act, headers } = await staffCast(ctx, {
  clerk: [['clerk'], null],
  handler: [['handler'], 'cj'],
  admin: [['admin'], null],
  leader: [['leader'], null],
});
const at = (iso: string) => clock.set(iso);
const local = (s: string) => new Date(`${s}+08:00`);

t.test('the rules, pure', async (t) => {
  const cal = new WorkCalendar(OFFICIAL_CALENDARS);
  const h = { start: '08:30', end: '17:30' };
  t.same(nextOfficeInstant(local('2026-11-25T10:00:00'), h, cal), local('2026-11-25T10:00:00'), 'within hours: at once');
  t.same(nextOfficeInstant(local('2026-11-25T07:00:00'), h, cal), local('2026-11-25T08:30:00'));
  t.same(nextOfficeInstant(local('2026-11-27T23:59:59'), h, cal), local('2026-11-30T08:30:00'), 'Friday night → Monday');
  t.same(nextOfficeInstant(local('2026-09-30T18:00:00'), h, cal), local('2026-10-08T08:30:00'), 'across National Day');
  t.same(smsNotBefore(local('2026-11-25T21:00:00'), false), local('2026-11-26T08:00:00'));
  t.same(smsNotBefore(local('2026-11-26T07:59:00'), false), local('2026-11-26T08:00:00'));
  t.equal(smsNotBefore(local('2026-11-25T20:59:00'), false), null);
  t.equal(smsNotBefore(local('2026-11-25T23:00:00'), true), null, 'emergencies at once');
});

t.test('GET/PUT /admin/office-hours', async (t) => {
  const h = await headers('admin');
  t.same(json(await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/office-hours', headers: h })), { start: '08:30', end: '17:30' });
  const bad = await ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/office-hours', headers: h, payload: { start: '8:30', end: '17:30' } });
  t.equal(bad.statusCode, 400);
  t.equal(json(bad).details[0].path, 'start');
  const backwards = await ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/office-hours', headers: h, payload: { start: '18:00', end: '09:00' } });
  t.equal(json(backwards).details[0].path, 'end');
  const put = await ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/office-hours', headers: h, payload: { start: '09:00', end: '17:00' } });
  t.same(json(put), { start: '09:00', end: '17:00' });
  t.equal((await ctx.app.inject({ method: 'PUT', url: '/api/v1/admin/office-hours', headers: await headers('clerk'), payload: { start: '09:00', end: '17:00' } })).statusCode, 403);
});

t.test('a reminder raised at night shows from the next start; 约谈 at once', async (t) => {
  at('2026-11-25T02:00:00Z');
  const reg = await ctx.app.inject(registrationRequest(await as('clerk'), { channel: 'phone', kind: 'complaint', content: '村道塌陷一直没人修', villageCode: 'xihe' }));
  const no = json(reg).ticketNo;
  await act('clerk', no, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
  await act('handler', no, 'accept');
  const mine = async (who: 'handler' | 'leader') =>
    json(await ctx.app.inject({ method: 'GET', url: '/api/v1/inbox', headers: await headers(who) })).notifications
      .filter((n: { ticketNo: string }) => n.ticketNo === no).map((n: { template: string }) => n.template);
  at('2026-12-15T15:59:59Z'); // Tue 23:59:59: the resolve warning
  await sweepDeadlines(ctx.deps);
  t.same(await mine('handler'), [], 'not shown at night');
  at('2026-12-16T00:59:00Z'); // Wed 08:59
  t.same(await mine('handler'), []);
  at('2026-12-16T01:00:00Z'); // Wed 09:00, the office hours set above
  t.same(await mine('handler'), ['escalation_warning'], 'shown at the start of office hours');
  at('2026-12-23T16:00:00Z'); // after the summons (Wed 12-23 23:59:59)
  await sweepDeadlines(ctx.deps);
  t.ok((await mine('leader')).includes('escalation_summons'), '约谈 at once, even at night');
  t.notOk((await mine('leader')).includes('escalation_escalated'), '督办 waits for the morning');
});

t.test('no resident SMS 21:00–08:00 unless emergency', async (t) => {
  at('2026-11-25T14:00:00Z'); // 22:00 in Shanghai
  const smsAt = async (no: string) => (await ctx.db.pool.query(
    `SELECT o.available_at FROM outbox o JOIN tickets t ON t.id = (o.payload->>'ticketId')::bigint
      WHERE o.topic = 'notifications' AND t.ticket_no = $1 ORDER BY o.id LIMIT 1`, [no])).rows[0].available_at as Date;
  const help = json(await ctx.app.inject(registrationRequest(await as('clerk'), { channel: 'phone', kind: 'help', content: '家里老人需要帮助', complainant: { phone: '13600000021' } }))).ticketNo;
  t.same(await smsAt(help), local('2026-11-26T08:00:00'), 'waits for 08:00');
  const sos = json(await ctx.app.inject(registrationRequest(await as('clerk'), { channel: 'phone', kind: 'emergency', content: '河堤出现管涌，情况紧急', complainant: { phone: '13600000022' } }))).ticketNo;
  t.same(await smsAt(sos), local('2026-11-25T22:00:00'), 'an emergency goes at once');
});
