// Every page, in a real browser at a desktop (1280 px) and a phone (375 px) width: it answers, has
// its heading, raises no CSP or script error, does not scroll sideways on the phone, and is saved
// as test-artifacts/screenshots/<page>-<width>.png for people to look at.
import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { staffSession } from '../helpers/app.js';
import { actOk, register } from '../helpers/tickets.js';
import { DESKTOP, PHONE, liveApp, newPage, shot, signIn, staffUser } from '../helpers/browser.js';
import { sweepDeadlines } from '../../src/services/escalation.service.js';

const live = await liveApp(t);
const api = await staffSession(live, ['clerk', 'supervisor']);

async function ticket(body: Record<string, unknown>, actions: [string, Record<string, unknown>][] = []): Promise<string> {
  const no = await register(live, api, { channel: 'phone', kind: 'help', ...body });
  for (const [action, payload] of actions) await actOk(live, api, no, action, payload);
  return no;
}

// A small township day: fresh, assigned, late and escalated tickets (consult: 2 working days).
const fresh = await ticket({ content: '想咨询一下新农合今年的缴费标准和截止时间', kind: 'consult', villageCode: 'dongshan', complainant: { name: '张三', phone: '13812345678' } });
const assigned = await ticket({ content: '西河村3组自来水管破裂，漏水严重', categoryCode: 'drinking_water', villageCode: 'xihe', complainant: { phone: '13900002222' } }, [
  ['assign', { departmentCode: 'sw' }],
]);
for (const day of ['2026-11-23', '2026-11-20', '2026-11-16', '2026-11-10']) {
  await ticket({ kind: 'consult', content: `${day} 来电咨询宅基地审批流程`, categoryCode: 'homestead', receivedAt: `${day}T09:00:00+08:00` }, [
    ['assign', { departmentCode: 'zr' }],
  ]);
}
await sweepDeadlines(live.deps);
const closed = await ticket({ content: '南岭村路灯不亮已经一周了', categoryCode: 'road', villageCode: 'nanling', complainant: { phone: '13700003333' } }, [
  ['assign', { departmentCode: 'cj' }],
]);
const roadHandler = await staffSession(live, ['handler'], 'cj');
// Each setup action must succeed (actOk throws with the answer): a page of a ticket in the wrong state proves nothing.
await actOk(live, roadHandler, closed, 'accept');
await actOk(live, roadHandler, closed, 'reply', { reply: '已更换灯泡，恢复照明', result: 'resolved' });
await actOk(live, api, closed, 'record_followup', { resolved: true, satisfaction: 'very_satisfied' });
// November's notice: published (the public home shows it), then regenerated as a new draft.
for (const [url, payload] of [
  ['/api/v1/admin/notices', { month: '2026-11', nextSteps: '下月重点跟进宅基地审批咨询的答复时效。' }],
  ['/api/v1/notices/2026-11/publish', undefined],
  ['/api/v1/admin/notices', { month: '2026-11' }],
] as const) {
  const r = await live.app.inject({ method: 'POST', url, headers: api.headers, payload });
  if (r.statusCode >= 300) throw new Error(`${url}: ${r.body}`);
}

async function both(t: Test, page: Page, name: string, visit: () => Promise<unknown>): Promise<void> {
  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport);
    await visit();
    t.ok(await page.locator('h1').first().isVisible(), `${name} has its heading at ${viewport.width}`);
    if (viewport === PHONE) {
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      t.ok(width <= PHONE.width, `${name} does not scroll sideways on a phone (${width}px)`);
    }
    await shot(page, name);
  }
}

async function pages(t: Test, page: Page, list: [string, string, number?][]): Promise<void> {
  for (const [name, url, status = 200] of list) {
    await both(t, page, name, async () => {
      const res = await page.goto(url);
      t.equal(res?.status(), status, `${url} answers ${status}`);
    });
  }
}

t.test('public pages', async (t) => {
  const { page } = await newPage(t, live);
  await pages(t, page, [['public-home', '/'], ['public-track', `/track?no=${fresh}`], ['staff-login', '/staff/login']]);
  await both(t, page, 'public-track-result', async () => {
    await page.goto(`/track?no=${assigned}`);
    await page.fill('#f-verify', '2222');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '查询' }).click()]);
  });
  await both(t, page, 'public-track-not-found', async () => {
    await page.goto(`/track?no=${fresh}`);
    await page.fill('#f-verify', '0000');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '查询' }).click()]);
  });
});

t.test('clerk pages', async (t) => {
  const { page } = await newPage(t, live);
  await signIn(page, await staffUser(live, ['clerk']));
  await pages(t, page, [
    ['staff-register', '/staff/tickets/new'],
    ['staff-receipt-a4', `/staff/tickets/${fresh}/receipt?format=a4`],
    ['staff-receipt-narrow', `/staff/tickets/${fresh}/receipt?format=narrow`],
    ['staff-tickets', '/staff/tickets'],
    ['staff-tickets-filtered', '/staff/tickets?status=registered%2Cassigned%2Cin_progress%2Creturned%2Creplied&overdue=true'],
    ['staff-ticket-registered', `/staff/tickets/${fresh}`],
    ['staff-ticket-closed', `/staff/tickets/${closed}`],
    ['staff-inbox-clerk', '/staff/inbox'],
    ['staff-not-found', '/staff/nothing-here', 404],
    ['staff-forbidden', '/staff/admin/users', 403],
  ]);
  await both(t, page, 'staff-register-errors', async () => {
    await page.goto('/staff/tickets/new');
    await page.fill('#f-content', '太短');
    await page.fill('#f-complainant-phone', '123');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: '登记并打印回执' }).click()]);
  });
});

t.test('handler, supervisor and leader pages', async (t) => {
  const { page } = await newPage(t, live);
  await signIn(page, await staffUser(live, ['handler'], 'sw'));
  await pages(t, page, [['staff-inbox-handler', '/staff/inbox'], ['staff-ticket-handler', `/staff/tickets/${assigned}`]]);
  const sup = await newPage(t, live);
  await signIn(sup.page, await staffUser(live, ['supervisor']));
  await pages(t, sup.page, [['staff-supervision', '/staff/supervision']]);
  const levels = await sup.page.locator('.cards .n').allTextContents();
  t.same(levels.slice(0, 4).map(Number), [1, 1, 1, 1], 'one ticket at each level: summons, escalated, overdue, warning');
  await pages(t, sup.page, [
    ['staff-stats', '/staff/stats?month=2026-11'],
    ['staff-notices', '/staff/notices'],
    ['staff-notice-draft', '/staff/notices/2026-11'],
  ]);
  const leader = await newPage(t, live);
  await signIn(leader.page, await staffUser(live, ['leader']));
  await pages(t, leader.page, [['staff-supervision-leader', '/staff/supervision'], ['staff-stats-leader', '/staff/stats?month=2026-11']]);
});

t.test('admin pages', async (t) => {
  const { page } = await newPage(t, live);
  await signIn(page, await staffUser(live, ['admin']));
  await pages(t, page, [
    ['staff-admin-users', '/staff/admin/users'],
    ['staff-admin-user', `/staff/admin/users/${api.username}`],
    ['staff-admin-departments', '/staff/admin/departments'],
    ['staff-admin-department', '/staff/admin/departments/dongshan'],
    ['staff-admin-categories', '/staff/admin/categories'],
    ['staff-admin-category', '/staff/admin/categories/dibao'],
    ['staff-admin-sla', '/staff/admin/sla'],
    ['staff-admin-calendar', '/staff/admin/calendar/2026'],
    ['staff-admin-calendar-missing', '/staff/admin/calendar/2027'],
  ]);
});
