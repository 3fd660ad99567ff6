// SPEC §18 on the real API: a pause (中止计时) stops the resolve clock — no step fires and nothing
// counts as overdue while it lasts — and on resume dueAt moves on by the working time paused; the
// resident reads it on the public timeline with its reason. Screening (甄别): the ticket is still
// answered but leaves the statistics' rates, counted apart by category, and the supervisor's monthly
// list shows it. Reporting up (上报/吹哨) flags the ticket once.
import t from 'tap';
import { json, registrationRequest, setupApp } from '../helpers/app.js';
import { act as rawAct, staffCast } from '../helpers/tickets.js';
import { TestClock } from '../helpers/clock.js';
import { sweepDeadlines } from '../../src/services/escalation.service.js';

const clock = new TestClock('2026-11-25T02:00:00Z'); // Wed 10:00 in Shanghai
const ctx = await setupApp(t, { clock });
const { as, act, headers } = await staffCast(ctx, {
  clerk: [['clerk'], null],
  handler: [['handler'], 'cj'],
  supervisor: [['supervisor'], null],
  leader: [['leader'], null],
});
const at = (iso: string) => clock.set(iso);
const get = async (url: string, who: 'clerk' | 'handler' | 'supervisor' | 'leader' = 'supervisor') =>
  json(await ctx.app.inject({ method: 'GET', url, headers: await headers(who) }));
const escalations = async (no: string) =>
  (await ctx.db.pool.query(
    `SELECT e.data->>'deadline' || ':' || (e.data->>'level') AS s FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
      WHERE t.ticket_no = $1 AND e.type = 'escalation' ORDER BY e.id`, [no])).rows.map((r) => r.s);

async function register(content: string, phone: string): Promise<string> {
  const res = await ctx.app.inject(registrationRequest(await as('clerk'), { channel: 'phone', kind: 'complaint', content, villageCode: 'xihe', complainant: { phone } }));
  return json(res).ticketNo;
}

t.test('a pause stops the resolve clock; resuming moves dueAt by the working time paused', async (t) => {
  at('2026-11-25T02:00:00Z');
  const no = await register('村道塌陷一直没人修，请尽快处理', '13600000011');
  await act('clerk', no, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
  await act('handler', no, 'accept');
  // Due: 15 working days after Wed 11-25 → Wed 12-16 23:59:59 +08.
  at('2026-12-10T02:00:00Z'); // Thu 10:00
  const requested = await act('handler', no, 'request_pause', { reason: '需等待司法鉴定结果', until: '2026-12-17T10:00:00+08:00' });
  t.same(requested.pendingPause, { reason: '需等待司法鉴定结果', until: '2026-12-17T02:00:00.000Z' });
  const again = await rawAct(ctx, await as('handler'), no, 'request_pause', { reason: '再申请一次' });
  t.equal(again.statusCode, 409);
  t.equal(json(again).message, '该工单已有待审批的中止计时申请');
  const paused = await act('supervisor', no, 'decide_pause', { approve: true, note: '同意' });
  t.equal(paused.paused, true);
  t.equal(paused.pendingPause, null);
  t.equal(paused.dueAt, '2026-12-16T15:59:59.000Z', 'dueAt stays until the resume');
  const shown = await get(`/api/v1/tickets/${no}`);
  t.match(shown.deadlines.find((d: { kind: string; open: boolean }) => d.kind === 'resolve' && d.open), { paused: true, level: null });
  t.ok(shown.allowedActions.includes('resume'), 'the supervisor may resume');

  // The old warning (12-15) and due instant (12-16) pass during the pause: no step, never overdue.
  at('2026-12-17T01:00:00Z');
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), [], 'no step while paused');
  const overdue = await get('/api/v1/tickets?overdue=true');
  t.notOk(overdue.items.some((i: { ticketNo: string }) => i.ticketNo === no), 'not in the overdue list');
  const stats = await get('/api/v1/stats/departments?month=2026-11');
  t.equal(stats.items.find((i: { departmentCode: string }) => i.departmentCode === 'cj').overdueOpen, 0, 'not overdue in the statistics');

  // Resumed Thu 12-17 10:00: paused Thu 12-10 10:00 → 14 h + Fri 11, Mon 14, Tue 15, Wed 16 + 10 h
  // = 5 working days of working time; 12-16 23:59:59 + 5 working days → Wed 12-23 23:59:59 +08.
  at('2026-12-17T02:00:00Z');
  const resumed = await act('handler', no, 'resume', {});
  t.equal(resumed.paused, false);
  t.equal(resumed.dueAt, '2026-12-23T15:59:59.000Z');
  // Its warning: 1 working day before → Tue 12-22 23:59:59 +08.
  at('2026-12-22T15:59:58Z');
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), []);
  at('2026-12-22T15:59:59Z');
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), ['resolve:warning'], 'the ladder runs on the moved deadline');
  at('2026-12-23T08:00:00Z');
  await act('handler', no, 'reply', { reply: '鉴定完成，道路已修复', result: 'resolved' });
  const replied = await get(`/api/v1/tickets/${no}`);
  t.match(replied.timeline.find((e: { type: string }) => e.type === 'replied'), { onTime: true, dueAt: '2026-12-23T15:59:59.000Z' }, 'on time: the pause never counts as late');

  // The resident sees the pause with its reason, and the resume (SPEC §18); not the request.
  const pub = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${no}?verify=0011` }));
  const lines = pub.timeline.map((e: { label: string; note: string | null }) => `${e.label}:${e.note ?? ''}`);
  t.ok(lines.includes('中止计时:需等待司法鉴定结果'), lines.join(' | '));
  t.ok(lines.includes('恢复计时:'), 'the resume is public');
  t.notOk(lines.some((l: string) => l.startsWith('中止计时申请')), 'the request is internal');
  const page = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${no}`, headers: await headers('supervisor') });
  t.match(page.body, /中止计时/);
});

t.test('a refused pause changes no clock; resume needs a pause', async (t) => {
  at('2026-11-25T02:00:00Z');
  const no = await register('路灯不亮了好几天', '13600000012');
  await act('clerk', no, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
  await act('handler', no, 'accept');
  const past = await rawAct(ctx, await as('handler'), no, 'request_pause', { reason: '等待配件', until: '2026-11-01T09:00:00+08:00' });
  t.equal(json(past).details[0].path, 'until', 'an expected resume in the past is refused');
  const notPaused = await rawAct(ctx, await as('handler'), no, 'resume', {});
  t.equal(notPaused.statusCode, 409);
  t.equal(json(notPaused).message, '该工单没有在中止计时');
  await act('handler', no, 'request_pause', { reason: '等待配件' });
  const refused = await act('supervisor', no, 'decide_pause', { approve: false, note: '配件可先借用' });
  t.equal(refused.paused, false);
  t.equal(refused.dueAt, '2026-12-16T15:59:59.000Z');
  const late = clock.set('2026-12-17T00:00:00Z');
  void late;
  const tooLate = await rawAct(ctx, await as('handler'), no, 'request_pause', { reason: '还要等' });
  t.equal(json(tooLate).message, '已超过办理期限，不能申请中止计时');
});

t.test('screening: answered, out of the rates, listed for the supervisor; reporting up once', async (t) => {
  at('2026-11-26T02:00:00Z');
  const a = await register('同一件事上个月已经反映过了，还要再反映', '13600000013');
  const b = await register('村里下水道堵了，污水漫到路上', '13600000014');
  for (const no of [a, b]) {
    await act('clerk', no, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
    await act('handler', no, 'accept');
  }
  const before = (await get('/api/v1/stats/departments?month=2026-11')).items.find((i: { departmentCode: string }) => i.departmentCode === 'cj');
  await act('handler', a, 'request_screening', { category: 'repeated', reason: '与上月诉求相同，已答复' });
  const bad = await rawAct(ctx, await as('handler'), b, 'request_screening', { category: 'nonsense', reason: '理由' });
  t.equal(bad.statusCode, 400);
  t.equal(json(bad).details[0].path, 'category');
  const screened = await act('supervisor', a, 'decide_screening', { approve: true });
  t.equal(screened.screeningCategory, 'repeated');
  t.equal(screened.screeningLabel, '重复诉求');
  await act('handler', a, 'reply', { reply: '您反映的问题已于上月答复', result: 'explained' });
  await act('handler', b, 'reply', { reply: '已疏通', result: 'resolved' });

  const after = (await get('/api/v1/stats/departments?month=2026-11')).items.find((i: { departmentCode: string }) => i.departmentCode === 'cj');
  t.equal(after.screened, before.screened + 1);
  t.equal(after.screenedByCategory.repeated, before.screenedByCategory.repeated + 1);
  t.equal(after.received, before.received, 'received counts every ticket');
  t.equal(after.assigned, before.assigned - 1, 'the screened ticket leaves the response rate denominator');
  t.equal(after.replied, before.replied + 1, 'only the unscreened reply counts');

  const list = await get('/api/v1/supervision/screenings?month=2026-11');
  t.same(list.items.map((i: Record<string, unknown>) => [i.ticketNo, i.category, i.categoryLabel, i.reason]), [[a, 'repeated', '重复诉求', '与上月诉求相同，已答复']]);
  const forbidden = await ctx.app.inject({ method: 'GET', url: '/api/v1/supervision/screenings?month=2026-11', headers: await headers('handler') });
  t.equal(forbidden.statusCode, 403);
  const page = await ctx.app.inject({ method: 'GET', url: '/staff/supervision?month=2026-11', headers: await headers('supervisor') });
  t.match(page.body, /甄别台账/);
  t.ok(page.body.includes(a.slice(0, 8)), 'the page lists it');

  const c = await register('河道有人倾倒建筑垃圾', '13600000015');
  const up = await act('supervisor', c, 'report_up', { reason: '涉及跨县河道，超出乡镇职权' });
  t.ok(up.reportedUpAt, 'flagged');
  const twice = await rawAct(ctx, await as('supervisor'), c, 'report_up', { reason: '再报' });
  t.equal(twice.statusCode, 409);
  t.equal(json(twice).message, '该工单已上报');
  const denied = await rawAct(ctx, await as('clerk'), c, 'report_up', { reason: '想上报' });
  t.equal(denied.statusCode, 403);
});

t.test("a leader's instruction may shorten the limit, re-planning the ladder (SPEC §18)", async (t) => {
  at('2026-11-25T02:00:00Z');
  const no = await register('学校门口的减速带坏了，车开得很快', '13600000016');
  await act('clerk', no, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
  await act('handler', no, 'accept');
  const longer = await rawAct(ctx, await as('leader'), no, 'instruct', { note: '慢慢办', resolveWithin: { amount: 20, unit: 'working_days' } });
  t.equal(longer.statusCode, 400);
  t.equal(json(longer).details[0].path, 'resolveWithin');
  at('2026-11-26T02:00:00Z');
  // 5 working days from Wed 11-25 (the resolve clock's start) → Wed 12-02 23:59:59 +08.
  const shorter = await act('leader', no, 'instruct', { note: '涉及学生安全，限5个工作日办结', resolveWithin: { amount: 5, unit: 'working_days' } });
  t.equal(shorter.dueAt, '2026-12-02T15:59:59.000Z');
  t.equal(shorter.leaderAttention, true);
  const shown = await get(`/api/v1/tickets/${no}`, 'leader');
  t.match(shown.timeline.find((e: { type: string }) => e.type === 'instructed'), { resolveWithin: { amount: 5, unit: 'working_days' }, dueAt: '2026-12-02T15:59:59.000Z' });
  at('2026-12-01T15:59:59Z'); // the warning of the new deadline: 1 working day before
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), ['resolve:warning']);
});
