// Follow-up (回访) by the resident on the public page, the 7-day no-response close, the inbox,
// category suggestion and a ticket's notification list.
import t from 'tap';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { act, actOk, register } from '../helpers/tickets.js';
import { closeWithoutResponse } from '../../src/services/routing.service.js';

const ctx = await setupApp(t);
const clerk = await staffSession(ctx, ['clerk']);
const supervisor = await staffSession(ctx, ['supervisor']);
const handler = await staffSession(ctx, ['handler'], 'sw');

async function repliedTicket(phone = '13800138000'): Promise<string> {
  const no = await register(ctx, clerk, { channel: 'phone', kind: 'help', content: '家里自来水水压太低了', categoryCode: 'drinking_water', complainant: { phone } });
  await actOk(ctx, clerk, no, 'assign', { departmentCode: 'sw' });
  await actOk(ctx, handler, no, 'accept');
  await actOk(ctx, handler, no, 'reply', { reply: '已更换减压阀，水压恢复正常', result: 'resolved' });
  return no;
}

function feedback(no: string, body: object) {
  return ctx.app.inject({ method: 'POST', url: `/api/v1/public/tickets/${no}/feedback`, payload: body });
}

t.test('the resident rates the reply: satisfied closes, the second rating becomes a comment', async (t) => {
  const no = await repliedTicket();
  let res = await feedback(no, { verify: '8000', resolved: true, satisfaction: 'very_satisfied', comment: '谢谢' });
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).status, 'closed');
  t.equal(json(res).outcome, 'resolved');
  t.notOk(JSON.stringify(json(res)).includes('13800138000'));
  res = await feedback(no, { verify: '8000', resolved: false, satisfaction: 'dissatisfied' });
  t.equal(res.statusCode, 200, 'a later rating is kept, not refused');
  t.equal(json(res).status, 'closed', 'and changes nothing');
  const staff = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: clerk.headers }));
  t.ok(staff.timeline.some((e: { type: string; lateRating?: boolean }) => e.type === 'commented' && e.lateRating));
});

t.test('the resident is dissatisfied: reopened to the same department', async (t) => {
  const no = await repliedTicket();
  const res = await feedback(no, { verify: '8000', resolved: false, satisfaction: 'dissatisfied' });
  t.equal(json(res).status, 'assigned');
  const staff = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: clerk.headers }));
  t.equal(staff.departmentCode, 'sw');
  t.equal(staff.reopenCount, 1);
});

t.test('feedback needs the verification, and only while replied', async (t) => {
  const no = await repliedTicket();
  let res = await feedback(no, { verify: '0000', resolved: true, satisfaction: 'satisfied' });
  t.equal(res.statusCode, 404);
  res = await feedback(no, { verify: '8000', resolved: true, satisfaction: 'unreachable' });
  t.equal(res.statusCode, 400, 'residents cannot claim to be unreachable');
  const fresh = json(await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '路灯不亮了好几天', complainant: { phone: '13800138001' } })));
  res = await feedback(fresh.ticketNo, { verify: '8001', resolved: true, satisfaction: 'satisfied' });
  t.equal(res.statusCode, 409);
});

t.test('no follow-up within 7 days of the reply closes with no_response', async (t) => {
  const no = await repliedTicket();
  const { rows } = await ctx.db.pool.query('SELECT id::text FROM tickets WHERE ticket_no = $1', [no]);
  t.equal(await closeWithoutResponse(ctx.deps, rows[0].id), 'skipped', 'not before 7 days');
  ctx.clock.advance(7 * 24 * 3600 * 1000 + 1000);
  t.equal(await closeWithoutResponse(ctx.deps, rows[0].id), 'closed');
  t.equal(await closeWithoutResponse(ctx.deps, rows[0].id), 'skipped', 'running twice is a no-op');
  ctx.clock.advance(-(7 * 24 * 3600 * 1000 + 1000));
  const fresh = await staffSession(ctx, ['clerk']);
  const ticket = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: fresh.headers }));
  t.equal(ticket.status, 'closed');
  t.equal(ticket.satisfaction, 'no_response', 'never counted as satisfied');
  t.equal(ticket.outcome, 'resolved', 'closes on the reply’s result');
});

t.test('inbox by role', async (t) => {
  const no = json(await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '水管爆了，到处是水', complainant: { phone: '13800138002' } }))).ticketNo;
  let box = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/inbox', headers: clerk.headers }));
  t.ok(box.tasks.some((x: { ticketNo: string }) => x.ticketNo === no), 'the clerk sees a ticket waiting to be assigned');
  await actOk(ctx, clerk, no, 'assign', { departmentCode: 'sw' });
  box = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/inbox', headers: handler.headers }));
  t.ok(box.tasks.some((x: { ticketNo: string; allowedActions: string[] }) => x.ticketNo === no && x.allowedActions.includes('accept')));
  const other = await staffSession(ctx, ['handler'], 'cj');
  box = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/inbox', headers: other.headers }));
  t.notOk(box.tasks.some((x: { ticketNo: string }) => x.ticketNo === no), 'not in another department’s inbox');
  await actOk(ctx, handler, no, 'accept');
  await actOk(ctx, handler, no, 'request_extension', { workingDays: 2, reason: '等待配件' });
  box = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/inbox', headers: supervisor.headers }));
  t.ok(box.tasks.some((x: { ticketNo: string; allowedActions: string[] }) => x.ticketNo === no && x.allowedActions.includes('decide_extension')));
});

t.test('classify suggests categories best first', async (t) => {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/classify', headers: clerk.headers, payload: { content: '家门口的路上有个大窟窿' } });
  t.equal(res.statusCode, 200);
  t.equal(json(res).suggestedCategories[0].code, 'road');
  const forbidden = await ctx.app.inject({ method: 'POST', url: '/api/v1/classify', headers: handler.headers, payload: { content: '路坏了' } });
  t.equal(forbidden.statusCode, 403);
});

t.test('the classifier learns the category a clerk finally chose', async (t) => {
  const odd = '又有人在祠堂里聚会拉人头搞传销';
  const before = json(await ctx.app.inject({ method: 'POST', url: '/api/v1/classify', headers: clerk.headers, payload: { content: odd } }));
  t.not(before.suggestedCategories[0]?.code, 'market', 'not known before');
  const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'walk_in', kind: 'report', content: '有人在祠堂里天天聚会拉人头搞传销，骗老人钱', complainant: { phone: '13800138009' } }));
  const no = json(res).ticketNo;
  t.equal((await act(ctx, clerk, no, 'assign', { departmentCode: 'scjg', categoryCode: 'market' })).statusCode, 200);
  const after = json(await ctx.app.inject({ method: 'POST', url: '/api/v1/classify', headers: clerk.headers, payload: { content: odd } }));
  t.equal(after.suggestedCategories[0]?.code, 'market', 'ranked first after one confirmed example');
});

t.test('classify warns of duplicates before registering: same phone, or same village and category, similar content', async (t) => {
  const first = json(await ctx.app.inject(registrationRequest(clerk, {
    channel: 'phone', kind: 'complaint', content: '西河村村口道路有个大坑，晚上骑车很危险', categoryCode: 'road', villageCode: 'xihe',
    complainant: { phone: '13700009999' },
  }))).ticketNo;
  const ask = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/v1/classify', headers: clerk.headers, payload });

  const byPhone = json(await ask({ content: '我上次反映的事怎么样了', phone: '137 0000 9999' }));
  t.same(byPhone.duplicateCandidates.map((d: { ticketNo: string }) => d.ticketNo), [first], 'the same phone, whatever the words');
  t.match(byPhone.duplicateCandidates[0], { status: 'registered', statusLabel: '已登记', samePhone: true, excerpt: '西河村村口道路有个大坑，晚上骑车很危险' });

  const byPlace = json(await ask({ content: '西河村村口的路上有大坑，骑车危险', villageCode: 'xihe' }));
  t.ok(byPlace.duplicateCandidates.some((d: { ticketNo: string; score: number }) => d.ticketNo === first && d.score >= 0.3), 'same village, suggested category and similar words');

  const elsewhere = json(await ask({ content: '西河村村口的路上有大坑，骑车危险', villageCode: 'dongshan' }));
  t.notOk(elsewhere.duplicateCandidates.some((d: { ticketNo: string }) => d.ticketNo === first), 'another village is not a duplicate');

  const bad = await ask({ content: '路坏了', phone: '12345' });
  t.equal(bad.statusCode, 400);
  t.equal(json(bad).details[0].path, 'phone');
});
