// 主办 / 协办 (SPEC §18) on the real API: a co-handling department sees the ticket (and only the
// tickets it co-handles), signs off and answers by its own co_handle deadline, which falls before
// the lead's and escalates like the others; the lead's reply waits (409 COHANDLING_PENDING naming
// the departments) unless a supervisor waives; statistics count lead and co-handling work apart and
// the notice's department table counts both.
import t from 'tap';
import { json, registrationRequest, setupApp } from '../helpers/app.js';
import { act as rawAct, staffCast } from '../helpers/tickets.js';
import { TestClock } from '../helpers/clock.js';
import { sweepDeadlines } from '../../src/services/escalation.service.js';

const clock = new TestClock('2026-11-25T02:00:00Z'); // Wed 10:00 in Shanghai
const ctx = await setupApp(t, { clock });
const { as, act, headers } = await staffCast(ctx, {
  clerk: [['clerk'], null],
  cj: [['handler'], 'cj'],
  sw: [['handler'], 'sw'],
  mz: [['handler'], 'mz'],
  hb: [['handler'], 'hb'],
  supervisor: [['supervisor'], null],
  admin: [['admin', 'supervisor'], null],
});
type Who = 'clerk' | 'cj' | 'sw' | 'mz' | 'hb' | 'supervisor' | 'admin';
const get = async (url: string, who: Who) => ctx.app.inject({ method: 'GET', url, headers: await headers(who) });
const at = (iso: string) => clock.set(iso);

async function register(content: string): Promise<string> {
  return json(await ctx.app.inject(registrationRequest(await as('clerk'), { channel: 'phone', kind: 'complaint', content, villageCode: 'xihe' }))).ticketNo;
}

t.test('a co-handled ticket: visibility, sign-off, answer, the lead reply waits', async (t) => {
  at('2026-11-25T02:00:00Z');
  const no = await register('村里自来水管爆裂，路面也被冲坏了');
  const bad = await rawAct(ctx, await as('clerk'), no, 'assign', { departmentCode: 'cj', coDepartmentCodes: ['cj'] });
  t.equal(bad.statusCode, 400);
  t.equal(json(bad).details[0].path, 'coDepartmentCodes.0', 'the lead cannot co-handle');
  const unknown = await rawAct(ctx, await as('clerk'), no, 'assign', { departmentCode: 'cj', coDepartmentCodes: ['nowhere'] });
  t.equal(json(unknown).details[0].path, 'coDepartmentCodes.0');

  const assigned = await act('clerk', no, 'assign', { departmentCode: 'cj', coDepartmentCodes: ['sw'], categoryCode: 'road' });
  const both = await rawAct(ctx, await as('cj'), no, 'return', { reasonCode: 'wrong_function', reason: '应由水务站主办' });
  t.equal(both.statusCode, 200);
  const toCo = await rawAct(ctx, await as('supervisor'), no, 'decide_return', { accept: true, departmentCode: 'sw' });
  t.equal(json(toCo).details[0].path, 'departmentCode', 'a co-handling department cannot also lead');
  await act('supervisor', no, 'decide_return', { accept: false });
  t.same(assigned.coHandlers.map((c: { departmentCode: string; state: string }) => [c.departmentCode, c.state]), [['sw', 'assigned']]);
  const shown = json(await get(`/api/v1/tickets/${no}`, 'supervisor'));
  // Lead due Wed 12-16 23:59:59 +08; co-handling 3 working days before: Fri 12-11 23:59:59 +08.
  const co = shown.deadlines.find((d: { kind: string }) => d.kind === 'co_handle');
  t.match(co, { departmentCode: 'sw', dueAt: '2026-12-11T15:59:59.000Z', open: true });
  t.ok(new Date(co.dueAt) < new Date(shown.dueAt), 'before the lead\'s');

  // The co-handling department sees it (and lists it); another department does not.
  const swView = await get(`/api/v1/tickets/${no}`, 'sw');
  t.equal(swView.statusCode, 200);
  t.same(json(swView).allowedActions, ['accept', 'comment'], 'sign off first');
  t.ok(json(await get('/api/v1/tickets', 'sw')).items.some((i: { ticketNo: string }) => i.ticketNo === no), 'in its list');
  t.ok(json(await get('/api/v1/inbox', 'sw')).tasks.some((i: { ticketNo: string }) => i.ticketNo === no), 'in its inbox');
  const { rows: told } = await ctx.db.pool.query(
    `SELECT o.payload->>'departmentCode' AS dept FROM outbox o JOIN tickets t ON t.id = (o.payload->>'ticketId')::bigint
      WHERE o.topic = 'staff-notifications' AND o.payload->>'template' = 'cohandling_assigned' AND t.ticket_no = $1`, [no]);
  t.same(told, [{ dept: 'sw' }], 'the co-handling department is told (its inbox line: 新协办工单…)');
  t.equal((await get(`/api/v1/tickets/${no}`, 'mz')).statusCode, 404);

  await act('cj', no, 'accept');
  const waiting = await rawAct(ctx, await as('cj'), no, 'reply', { reply: '已修复', result: 'resolved' });
  t.equal(waiting.statusCode, 409);
  t.equal(json(waiting).code, 'COHANDLING_PENDING');
  t.match(json(waiting).message, /sw/);
  t.notOk(json(await get(`/api/v1/tickets/${no}`, 'cj')).allowedActions.includes('reply'));

  const early = await rawAct(ctx, await as('sw'), no, 'submit_cohandling', { note: '管道已抢修' });
  t.equal(json(early).message, '请先签收协办');
  await act('sw', no, 'accept', { note: '水务站签收' });
  at('2026-12-01T02:00:00Z');
  const answered = await act('sw', no, 'submit_cohandling', { note: '供水管道已于12月1日抢修完毕' });
  t.match(answered.coHandlers[0], { departmentCode: 'sw', state: 'answered', answer: '供水管道已于12月1日抢修完毕', onTime: true });
  t.equal(json(await get(`/api/v1/tickets/${no}`, 'supervisor')).deadlines.find((d: { kind: string }) => d.kind === 'co_handle').open, false);
  const timeline = json(await get(`/api/v1/tickets/${no}`, 'cj')).timeline.map((e: { type: string }) => e.type);
  t.ok(timeline.includes('cohandling_accepted') && timeline.includes('cohandling_submitted'));
  const replied = await act('cj', no, 'reply', { reply: '水管和路面均已修复', result: 'resolved' });
  t.equal(replied.status, 'replied');
  const page = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${no}`, headers: await headers('sw') });
  t.equal(page.statusCode, 200);
});

t.test('a supervisor waives a co-handling department; the co ladder escalates on its own', async (t) => {
  at('2026-11-25T02:00:00Z');
  const no = await register('河边垃圾堆放，还有污水直排');
  await act('clerk', no, 'assign', { departmentCode: 'cj', coDepartmentCodes: ['sw', 'hb'], categoryCode: 'road' });
  await act('cj', no, 'accept');
  await act('hb', no, 'accept');
  // hb's co_handle deadline (Fri 12-11): warning Thu 12-10 end of day, overdue at 12-11.
  at('2026-12-11T15:59:59Z');
  await sweepDeadlines(ctx.deps);
  await sweepDeadlines(ctx.deps);
  const { rows } = await ctx.db.pool.query(
    `SELECT e.data->>'deadline' AS d, e.data->>'level' AS l, e.data->>'departmentCode' AS dept FROM ticket_events e
       JOIN tickets t ON t.id = e.ticket_id WHERE t.ticket_no = $1 AND e.type = 'escalation' ORDER BY e.id`, [no]);
  t.same(rows.map((r) => `${r.d}:${r.dept}:${r.l}`).sort(), ['coHandle:hb:overdue', 'coHandle:hb:warning', 'coHandle:sw:overdue', 'coHandle:sw:warning'], 'each department\'s steps, once');
  // Raised at 23:59:59 on a Friday: shown from Monday 08:30 (office hours, SPEC §18).
  at('2026-12-14T00:30:00Z');
  const inbox = json(await get('/api/v1/inbox', 'hb'));
  t.ok(inbox.notifications.some((n: { ticketNo: string; template: string; deadline: string }) => n.ticketNo === no && n.template === 'escalation_overdue' && n.deadline === 'coHandle'), 'the co-handling department hears of its own');
  t.match(inbox.notifications.find((n: { ticketNo: string; deadline: string }) => n.ticketNo === no && n.deadline === 'coHandle').message, /协办期限/);

  // hb answers (Monday) after its co_handle deadline: late.
  const notPending = await rawAct(ctx, await as('supervisor'), no, 'waive_cohandling', { departmentCode: 'mz', reason: '无关' });
  t.equal(json(notPending).details[0].path, 'departmentCode');
  await act('supervisor', no, 'waive_cohandling', { departmentCode: 'sw', reason: '水务站本次无需参与' });
  await act('hb', no, 'submit_cohandling', { note: '已安排清运' });
  const r = await act('cj', no, 'reply', { reply: '垃圾已清运，污水口已封堵', result: 'resolved' });
  t.equal(r.status, 'replied');
  t.same(r.coHandlers.map((c: { departmentCode: string; state: string; onTime: boolean | null }) => [c.departmentCode, c.state, c.onTime ?? null]), [['sw', 'waived', null], ['hb', 'answered', false]]);

  // Statistics: lead and co-handling work apart. 2 tickets this month: cj leads both; sw co-handles
  // both (answered on time once, waived once); hb co-handles one (signed off, answered late).
  at('2026-12-20T00:00:00Z');
  const stats = json(await get('/api/v1/stats/departments?month=2026-11', 'supervisor')).items;
  const of = (code: string) => stats.find((i: { departmentCode: string }) => i.departmentCode === code);
  t.match(of('cj'), { received: 2, coAssigned: 0 });
  t.match(of('sw'), { received: 0, coAssigned: 2, coAccepted: 1, coAnswered: 1, coAnsweredOnTime: 1, coWaived: 1 });
  t.match(of('hb'), { received: 0, coAssigned: 1, coAccepted: 1, coAnswered: 1, coAnsweredOnTime: 0, coWaived: 0 });
  const csv = await get('/api/v1/stats/departments?month=2026-11&format=csv', 'supervisor');
  t.match(csv.body, /协办件数/);

  // The notice's department table counts lead and co-handling (waived ones not).
  const gen = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers: await headers('admin'), payload: { month: '2026-11' } });
  t.equal(gen.statusCode, 201, gen.body);
  const notice = json(await get('/api/v1/notices/2026-11', 'admin'));
  const deps = Object.fromEntries(notice.departments.map((d: { code: string; received: number; coHandling: number }) => [d.code, [d.received, d.coHandling]]));
  t.same(deps, { cj: [2, 0], sw: [0, 1], hb: [0, 1] });
});
