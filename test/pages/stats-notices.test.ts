// The statistics page and the staff notice pages through app.inject: figures of a month seeded
// through the real API, the CSV link, freezing (and the friendly refusal of a second freeze), who
// may see and do what, generate → publish / hold, CSRF, and the latest notice on the public home.
import t from 'tap';
import { createStaff, json, login, setupApp, type Session } from '../helpers/app.js';
import { actOk, register as registerAs } from '../helpers/tickets.js';
import { TestClock } from '../helpers/clock.js';
import { rateText } from '../../src/http/pages/format.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

const clock = new TestClock('2026-11-02T01:00:00Z'); // Mon 2026-11-02 09:00 +08
const ctx = await setupApp(t, { clock });
const users = {
  clerk: await createStaff(ctx, ['clerk'], null, 'sn-clerk'),
  sup: await createStaff(ctx, ['supervisor'], null, 'sn-sup'),
  leader: await createStaff(ctx, ['leader'], null, 'sn-leader'),
  admin: await createStaff(ctx, ['admin'], null, 'sn-admin'),
  road: await createStaff(ctx, ['handler'], 'cj', 'sn-road'),
};
type Who = keyof typeof users;
// Sessions end after 30 idle minutes: everyone signs in again after the clock moves.
const sessions = {} as Record<Who, Session>;
async function signInAll() {
  for (const who of Object.keys(users) as Who[]) sessions[who] = await login(ctx, users[who]);
}
await signInAll();

const act = (who: Who, no: string, action: string, body: object = {}) => actOk(ctx, sessions[who], no, action, body);
async function register(content: string): Promise<string> {
  return registerAs(ctx, sessions.clerk, { channel: 'phone', kind: 'help', content, villageCode: 'dongshan', categoryCode: 'road', complainant: { phone: '13500001234' } });
}

const get = (who: Who | null, url: string) =>
  ctx.app.inject({ method: 'GET', url, headers: who ? { cookie: sessions[who].headers.cookie } : {} });
function post(who: Who, url: string, fields: Record<string, string> = {}, withCsrf = true) {
  const body = new URLSearchParams(fields);
  if (withCsrf) body.append('_csrf', sessions[who].csrf);
  return ctx.app.inject({
    method: 'POST', url, payload: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sessions[who].headers.cookie },
  });
}

// November: one case answered in time and rated satisfied, one never signed for (overdue by December).
const done = await register('东山村村口路面坑洼，雨天积水');
const late = await register('东山村路灯坏了三盏，晚上很黑');
await act('clerk', done, 'assign', { departmentCode: 'cj' });
await act('clerk', late, 'assign', { departmentCode: 'cj' });
clock.advance(2 * 3600_000);
await signInAll();
await act('road', done, 'accept');
await act('road', done, 'reply', { reply: '已修补路面', result: 'resolved' });
await act('clerk', done, 'record_followup', { resolved: true, satisfaction: 'satisfied' });
clock.set('2026-12-02T02:00:00Z'); // December: November is over and is the default month
await signInAll();

t.test('the statistics page shows the month’s figures per department and per handler', async (t) => {
  const res = await get('sup', '/staff/stats');
  t.equal(res.statusCode, 200);
  t.match(res.body, /id="m-month" name="month" value="2026-11"/, 'the previous month by default');
  t.match(res.body, '三率统计');
  t.match(res.body, '<span class="tag">未冻结</span>');
  const api = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/stats/departments?month=2026-11', headers: sessions.sup.headers }));
  const cj = api.items.find((i: { departmentCode: string }) => i.departmentCode === 'cj');
  t.match(cj, { received: 2, assigned: 2 });
  const row = /<tr><td>村镇建设办<\/td>(.*?)<\/tr>/.exec(res.body)?.[1] ?? '';
  t.match(row, '<td class="n">2</td>', 'received');
  for (const r of ['responseRate', 'onTimeRate', 'resolutionRate', 'satisfactionRate']) t.match(row, rateText(cj[r]), r);
  t.match(row, '100.0%（1/1）', 'satisfied: 1 of 1 follow-up reached');
  t.match(row, '50.0%（1/2）', 'one of two signed for in time');
  t.match(res.body, /<tr><td>测试sn-road<\/td><td>村镇建设办<\/td><td class="n">1<\/td>/, 'the handler table');
  t.match(res.body, '<a href="#handlers">按承办人</a>');
  t.match(res.body, /action="\/staff\/stats\/freeze"/, 'a supervisor may freeze');
  t.match(res.body, 'href="/staff/stats" aria-current="page"', 'the nav marks the page');

  const other = await get('sup', '/staff/stats?month=2026-10');
  t.equal(other.statusCode, 200);
  t.match(other.body, '该月没有受理的诉求');
  const bad = await get('sup', '/staff/stats?month=2026-13');
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /id="m-month-err">月份格式应为 YYYY-MM/);
});

t.test('the CSV links are the API’s, and work with the session cookie', async (t) => {
  const page = (await get('leader', '/staff/stats?month=2026-11')).body;
  for (const scope of ['departments', 'handlers']) {
    const m = new RegExp(`href="(/api/v1/stats/${scope}\\?month=2026-11&amp;format=csv)"`).exec(page);
    t.ok(m, `${scope} link`);
    const csv = await get('leader', m![1].replace(/&amp;/g, '&'));
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], 'text/csv');
    t.match(csv.body, scope === 'departments' ? '部门,受理量' : '承办人,用户名');
  }
});

t.test('freezing: supervisors only, once, after the month is over', async (t) => {
  const leaderPage = await get('leader', '/staff/stats?month=2026-11');
  t.notMatch(leaderPage.body, 'action="/staff/stats/freeze"', 'a leader reads but does not freeze');
  t.equal((await post('leader', '/staff/stats/freeze', { month: '2026-11' })).statusCode, 403);
  t.equal((await post('sup', '/staff/stats/freeze', { month: '2026-11' }, false)).statusCode, 403, 'no CSRF token, no freeze');

  let res = await post('sup', '/staff/stats/freeze', { month: '2026-11' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/staff/stats?month=2026-11&done=frozen');
  const page = await get('sup', res.headers.location!);
  t.match(page.body, '<span class="tag frozen">已冻结</span>');
  t.match(page.body, '已冻结2026年11月的统计');
  t.notMatch(page.body, 'action="/staff/stats/freeze"', 'nothing left to freeze');

  res = await post('sup', '/staff/stats/freeze', { month: '2026-11' });
  t.equal(res.statusCode, 409);
  t.match(res.body, /role="alert"[^>]*>\s*<p><strong>无法冻结：2026-11 的统计已冻结，不再变化<\/strong>/, 'a friendly message on the page');
  t.match(res.body, '<span class="tag frozen">已冻结</span>');

  res = await post('sup', '/staff/stats/freeze', { month: '2026-12' });
  t.equal(res.statusCode, 409);
  t.match(res.body, '无法冻结：当月尚未结束，不能冻结（只能冻结已结束的月份）');
  t.match(res.body, /id="m-month" name="month" value="2026-12"/, 'the page stays on the month');
});

t.test('handlers and clerks may not see the statistics, nor find them in the nav', async (t) => {
  for (const who of ['road', 'clerk'] as const) {
    const res = await get(who, '/staff/stats');
    t.equal(res.statusCode, 403, who);
    t.match(res.body, '您没有权限');
    t.notMatch(res.body, 'href="/staff/stats"', `${who}: no 统计 in the nav`);
    t.match(res.body, 'href="/staff/notices"', `${who}: 公示 is in the nav`);
  }
});

t.test('notices: generate a draft, read it, publish it', async (t) => {
  t.notMatch((await get(null, '/')).body, 'class="cards figures"', 'no figures on the home page before a notice is published');
  let res = await post('admin', '/staff/notices', { month: '2026-11', nextSteps: '下月重点整治东山村道路照明' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/staff/notices/2026-11?done=generated');

  const draft = await get('road', res.headers.location!);
  t.equal(draft.statusCode, 200, 'every staff member may read a draft');
  t.match(draft.body, '<span class="tag s-draft">草稿</span>');
  t.match(draft.body, '第 1 版（共 1 版）');
  t.match(draft.body, '尚未发布，群众看不到');
  t.match(draft.body, /<span class="n">2<\/span><span>受理诉求<\/span>/);
  t.match(draft.body, /<span class="n">1<\/span><span>已办结<\/span>/);
  t.match(draft.body, /<span class="n">100.0%<\/span><span>满意率<\/span> <small class="muted">1\/1<\/small>/);
  t.match(draft.body, /<tr><td>村镇建设办<\/td><td class="n">2<\/td><td class="n">1<\/td>/);
  t.match(draft.body, `>${formatTicketNo(done)}</a>`, 'the case list');
  t.match(draft.body, '下月重点整治东山村道路照明');
  t.notMatch(draft.body, '/publish"', 'a handler has no publish button');
  t.equal((await post('road', '/staff/notices/2026-11/publish')).statusCode, 403);
  t.equal((await get(null, '/notices/2026-11')).statusCode, 404, 'not public yet');

  const list = await get('road', '/staff/notices');
  t.equal(list.statusCode, 200);
  t.match(list.body, /<a href="\/staff\/notices\/2026-11">2026年11月<\/a><\/td><td>草稿<\/td>/);
  t.notMatch(list.body, 'action="/staff/notices"', 'a handler cannot generate');
  t.match((await get('sup', '/staff/notices')).body, /action="\/staff\/notices"/);

  res = await post('sup', '/staff/notices/2026-11/publish');
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/staff/notices/2026-11?done=publish');
  const published = await get('sup', res.headers.location!);
  t.match(published.body, '<span class="tag s-published">已发布</span>');
  t.match(published.body, 'href="/notices/2026-11"', 'a link to the public page');
  t.notMatch(published.body, '/hold"', 'no hold once published');
  t.equal((await get(null, '/notices/2026-11')).statusCode, 200, 'public now');

  res = await post('sup', '/staff/notices/2026-11/hold');
  t.equal(res.statusCode, 409, 'a posted hold of a published notice');
  t.match(res.body, '公示已发布，不能暂缓');

  // Regenerating after publishing: a new draft; the public keeps the published revision.
  res = await post('admin', '/staff/notices', { month: '2026-11' });
  const again = await get('admin', res.headers.location!);
  t.match(again.body, '<span class="tag s-draft">草稿</span>');
  t.match(again.body, '第 2 版（共 2 版）');
  t.match(again.body, '公开的是第 1 版');
  t.match(again.body, '下月重点整治东山村道路照明', 'a blank 下一步工作 keeps the last text');
});

t.test('notices: hold a fresh month; wrong months and missing CSRF tokens are refused', async (t) => {
  let res = await post('sup', '/staff/notices', { month: '2026-10' });
  t.equal(res.statusCode, 303);
  t.equal((await post('sup', '/staff/notices/2026-10/hold', {}, false)).statusCode, 403, 'no CSRF token, no hold');
  t.equal((await post('sup', '/staff/notices/2026-10/publish', {}, false)).statusCode, 403, 'no CSRF token, no publish');
  t.equal((await post('admin', '/staff/notices', { month: '2026-09' }, false)).statusCode, 403, 'no CSRF token, no draft');
  res = await post('sup', '/staff/notices/2026-10/hold');
  t.equal(res.statusCode, 303);
  const held = await get('sup', res.headers.location!);
  t.match(held.body, '<span class="tag s-held">暂缓发布</span>');
  t.match(held.body, '已暂缓发布');
  t.match(held.body, '/publish"', 'a held notice can still be published');
  t.notMatch(held.body, '/hold"');
  t.match(held.body, '本月诉求尚未转办到部门');
  t.equal((await get(null, '/notices/2026-10')).statusCode, 404);

  res = await post('admin', '/staff/notices', { month: '2027-05' });
  t.equal(res.statusCode, 400);
  t.match(res.body, /id="f-month-err">不能为尚未开始的月份生成公示/);
  res = await post('admin', '/staff/notices', { month: '11月' });
  t.equal(res.statusCode, 400);
  t.match(res.body, /id="f-month-err">月份格式应为 YYYY-MM/);
  t.match(res.body, /value="11月"/, 'what was typed stays');
  t.equal((await get('sup', '/staff/notices/2026-08')).statusCode, 404, 'a month without a notice');
});

t.test('the public home shows the latest published notice’s figures', async (t) => {
  const res = await get(null, '/');
  t.equal(res.statusCode, 200);
  t.match(res.body, '2026年11月办理情况公示');
  t.match(res.body, /<span class="n">2<\/span><span>受理诉求<\/span>/);
  t.match(res.body, /<span class="n">1<\/span><span>已办结<\/span>/);
  t.match(res.body, /<span>按时办结率<\/span>/);
  t.match(res.body, /<span class="n">100.0%<\/span><span>满意率<\/span>/);
  t.match(res.body, 'href="/notices/2026-11"');
  t.notMatch(res.body, '响应率', 'the headline only');
});
