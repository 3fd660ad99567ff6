// The notice's figures come from one aggregate query (noticeFigureRows) and its case list from a
// lean load (loadNoticeCases); the pure buildNoticeModel over the month's full rows stays the
// definition. ~30 tickets driven through the real API — every state, follow-ups reached and not
// (unreachable, no_response), a confidential ticket, refused (improper) returns, a late acceptance,
// a rejection, a merge — and the model generateNotice stores must equal buildNoticeModel's.
import t from 'tap';
import { json, registrationRequest, setupApp } from '../helpers/app.js';
import { staffCast } from '../helpers/tickets.js';
import { TestClock } from '../helpers/clock.js';
import { sweepNoResponse } from '../../src/services/routing.service.js';
import { generateNotice } from '../../src/services/notices.service.js';
import { findRevision, loadNoticeTickets, noticeFigureRows } from '../../src/db/notices.repository.js';
import { listCategories, listDepartments } from '../../src/db/catalogue.repository.js';
import { buildNoticeModel, figureRowsFromTickets, type NoticeFigureRow } from '../../src/domain/notice.js';
import { monthRange } from '../../src/domain/stats.js';

const clock = new TestClock('2026-11-02T01:00:00Z'); // Mon 2026-11-02 09:00 +08
const ctx = await setupApp(t, { clock });
const cast = await staffCast(ctx, {
  clerk: [['clerk'], null, 'ns-clerk'],
  sup: [['supervisor'], null, 'ns-sup'],
  road: [['handler'], 'cj', 'ns-road'],
  water: [['handler'], 'sw', 'ns-water'],
});
const { act } = cast;
const CHANNELS = ['phone', 'walk_in', 'letter', 'web', 'wechat_group'];
const KINDS = ['complaint', 'consult', 'help', 'report', 'suggest'];
const VILLAGES = ['dongshan', 'xihe', 'nanling', null];
const PEOPLE = [
  { name: '欧阳明华', phone: '13912345678', address: '东山村五组十二号' },
  { name: '张三', phone: '13800001111', address: '西河村二组' },
  { name: '李秀英', phone: '13700002222', address: '南岭村三组八号' },
];
let n = 0;
async function register(category: 'road' | 'drinking_water' | null, extra: object = {}): Promise<string> {
  const i = n++;
  const p = PEOPLE[i % 3];
  const channel = CHANNELS[i % CHANNELS.length];
  const res = await ctx.app.inject(
    registrationRequest(await cast.as('clerk'), {
      channel, kind: KINDS[i % KINDS.length], villageCode: VILLAGES[i % 4] ?? undefined, address: p.address,
      content: `我是${p.name}，电话${p.phone}，第${i}件：${category === 'drinking_water' ? '家里停水一整天' : '村口路面坑洼'}`,
      ...(category ? { categoryCode: category } : {}),
      complainant: { name: p.name, phone: p.phone },
      ...(channel === 'wechat_group' ? { wechat: { group: '东山村民群' } } : {}),
      ...extra,
    }),
  );
  if (res.statusCode !== 201) throw new Error(res.body);
  clock.advance(60_000);
  return json(res).ticketNo;
}
const hours = (h: number) => clock.advance(h * 3600_000);

const road: string[] = [];
for (let i = 0; i < 14; i++) road.push(await register('road', i === 3 ? { confidential: true } : {}));
const water: string[] = [];
for (let i = 0; i < 10; i++) water.push(await register('drinking_water'));
const loose: string[] = [];
for (let i = 0; i < 6; i++) loose.push(await register(null));

for (const no of road) await act('clerk', no, 'assign', { departmentCode: 'cj' });
for (const no of water) await act('clerk', no, 'assign', { departmentCode: 'sw' });
hours(2);
// Improper returns: refused by the supervisor, then accepted.
for (const no of [road[0], road[1], water[0]]) {
  const who = no === water[0] ? 'water' : 'road';
  await act(who, no, 'return', { reasonCode: 'wrong_function', reason: '不归我们管' });
  await act('sup', no, 'decide_return', { accept: false, note: '属于本部门' });
}
for (const no of [...road.slice(0, 9), ...water.slice(0, 7)]) await act(road.includes(no) ? 'road' : 'water', no, 'accept');
hours(3);
// Replied and followed up: reached (resolved or not), unreachable, no_response.
const satisfactions = ['satisfied', 'very_satisfied', 'basically_satisfied', 'unreachable', 'dissatisfied', 'very_dissatisfied'];
for (const [i, no] of [...road.slice(0, 6), ...water.slice(0, 5)].entries()) {
  await act(road.includes(no) ? 'road' : 'water', no, 'reply', { reply: '已处理', result: i % 3 === 2 ? 'explained' : 'resolved' });
  if (i < 9) await act('clerk', no, 'record_followup', { resolved: i % 2 === 0, satisfaction: satisfactions[i % satisfactions.length] });
}
// Rejected and merged tickets.
await act('clerk', loose[0], 'reject', { reason: '不属于本镇职责范围，请向县市场监管局反映' });
await act('clerk', loose[1], 'merge', { intoTicketNo: loose[2] });
// Late: accepted after the sign-off deadline, replied after the resolve deadline.
clock.set('2026-11-05T02:00:00Z');
await act('road', road[9], 'accept');
clock.set('2026-11-27T02:00:00Z');
// The two replies never followed up close as no_response (the sweeper, 7 days on).
if ((await sweepNoResponse(ctx.deps)) !== 2) throw new Error('expected two no_response closures');
await act('road', road[9], 'reply', { reply: '已处理', result: 'resolved' });
await act('road', road[6], 'reply', { reply: '已处理', result: 'resolved' });

const month = '2026-11';
const { from, to } = monthRange(month);
const byKey = (r: NoticeFigureRow) => JSON.stringify([r.set, r.channel, r.kind, r.categoryCode, r.villageCode, r.departmentCode]);
const sortRows = (rows: NoticeFigureRow[]) => [...rows].sort((a, b) => (byKey(a) < byKey(b) ? -1 : 1));

for (const at of ['2026-11-20T04:00:00Z', '2026-12-01T02:00:00Z']) {
  t.test(`at ${at}: the stored model equals buildNoticeModel over the month's rows`, async (t) => {
    clock.set(at);
    const now = clock.now();
    const { revision } = await generateNotice(ctx.deps, 'test', month, '下月继续整治道路');
    const stored = (await findRevision(ctx.deps.db, month, revision))!.model;
    const [tickets, departments, categories] = await Promise.all([
      loadNoticeTickets(ctx.deps.db, from, to),
      listDepartments(ctx.deps.db),
      listCategories(ctx.deps.db),
    ]);
    t.equal(tickets.length, 30);
    t.same(
      sortRows(await noticeFigureRows(ctx.deps.db, from, to, now)),
      sortRows(figureRowsFromTickets(tickets, now)),
      'the SQL figures equal the per-ticket ones',
    );
    const expected = buildNoticeModel({ month, tickets, now, departments, categories, nextSteps: '下月继续整治道路' });
    t.strictSame(stored, JSON.parse(JSON.stringify(expected)));
    // The month is not trivial: every kind of figure is exercised.
    t.equal(expected.totals.received, 30);
    t.equal(expected.cases.length, 29, 'the confidential ticket is counted, not listed');
    t.ok(expected.totals.resolutionRate.denominator > 0 && expected.totals.responseRate.denominator > 0);
    t.ok(expected.departments.some((d) => d.improperReturns > 0));
    t.ok(expected.totals.onTimeRate.denominator > expected.totals.onTime);
    t.not(expected.totals.avgFirstResponseHours, null);
  });
}
