// Day one in a real browser (issue 11 items 8, 11 and 15): a bad address on a resident's phone is a
// Chinese page, a failing page names its request id, a staff page without a session goes to the
// sign-in; a clerk finds a caller's tickets by the last 4 digits, the full phone and the name, with
// village and excerpt in the list; the published notice on a phone carries no third party's name,
// no phone and no contact-only clause, and keeps the township's own hotline.
import t from 'tap';
import { DESKTOP, PHONE, liveApp, newPage, shot, signIn, staffUser } from '../helpers/browser.js';
import { actOk, register as registerAs } from '../helpers/tickets.js';
import { login, type Session } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

const HOTLINE = '0571-88881234';
const clock = new TestClock('2026-11-02T01:00:00Z'); // Mon 2026-11-02 09:00 Beijing time
const live = await liveApp(t, { clock, env: { TOWNSHIP_NAME: '青山镇', TOWNSHIP_HOTLINES: HOTLINE } });
const users = {
  clerk: await staffUser(live, ['clerk']),
  road: await staffUser(live, ['handler'], 'cj'),
  sup: await staffUser(live, ['supervisor']),
};
type Who = keyof typeof users;
const sessions = {} as Record<Who, Session>;
async function signInAll(): Promise<void> {
  for (const who of Object.keys(users) as Who[]) sessions[who] = await login(live, users[who]);
}
await signInAll();

const act = (who: Who, no: string, action: string, body: object = {}) => actOk(live, sessions[who], no, action, body);
async function register(body: object): Promise<string> {
  return registerAs(live, sessions.clerk, { channel: 'phone', kind: 'complaint', categoryCode: 'road', ...body });
}

const pigFarm = await register({
  content: '邻居赵小明家养猪场污水直排河道，气味很大，希望尽快处理。我叫王大明，电话13812345678，身份证号330102199001011234',
  villageCode: 'xihe', complainant: { name: '王大明', phone: '13812345678' },
});
const lamp = await register({
  content: '东山村路灯坏了三盏，晚上很黑，老人出门不方便', villageCode: 'dongshan', complainant: { name: '钱美华', phone: '13900004321' },
});
const other = await register({ content: '南岭村村道边垃圾堆放多日无人清运', villageCode: 'dongshan', complainant: { phone: '13700009999' } });

t.test('bad addresses and failures on a phone are Chinese pages; staff pages without a session go to the sign-in', async (t) => {
  const { page } = await newPage(t, live, PHONE, /status of (4\d\d|500)/);
  for (const url of ['/track/xyz', '/no-such-page']) {
    const res = await page.goto(url);
    t.equal(res?.status(), 404, url);
    t.equal(await page.locator('h1').textContent(), '页面不存在', url);
    t.match(await page.locator('[role=alert]').textContent(), '您访问的页面不存在', url);
    t.notMatch(await page.content(), '"code"', `${url}: never raw JSON`);
  }
  await shot(page, 'public-404');

  // A page that fails inside: the table it reads is gone for a moment.
  await live.db.pool.query('ALTER TABLE notices RENAME TO notices_away');
  try {
    const res = await page.goto('/notices');
    t.equal(res?.status(), 500);
    t.match(await page.locator('[role=alert]').textContent(), '系统内部错误');
    const small = (await page.locator('small.muted').textContent()) ?? '';
    const id = /请求编号：(\S+?)（/.exec(small)?.[1];
    t.ok(id, 'the request id is printed for the administrator');
    t.match(id, /^[0-9a-f-]{36}$/, 'the id the log line carries');
    await shot(page, 'public-500');
  } finally {
    await live.db.pool.query('ALTER TABLE notices_away RENAME TO notices');
  }
  t.equal((await page.goto('/notices'))?.status(), 200, 'back once the table is back');

  await page.goto('/staff/tickets?status=assigned');
  t.equal(new URL(page.url()).pathname, '/staff/login', 'a staff page without a session shows the sign-in');
  t.equal(new URL(page.url()).searchParams.get('next'), '/staff/tickets?status=assigned', 'and returns there afterwards');
});

t.test('a clerk finds a caller\'s tickets by the last 4 digits, the full phone and the name', async (t) => {
  const { page } = await newPage(t, live, DESKTOP);
  await signIn(page, users.clerk);
  const search = async (q: string): Promise<string[]> => {
    await page.goto('/staff/tickets');
    await page.getByRole('searchbox', { name: '搜索' }).fill(q);
    await Promise.all([page.waitForURL(/[?&]q=/), page.getByRole('button', { name: '筛选' }).click()]);
    return page.locator('table.tickets tbody tr td:first-child a').allTextContents();
  };
  t.same(await search('4321'), [formatTicketNo(lamp)], 'the last 4 digits');
  const row = (await page.locator('table.tickets tbody tr').first().textContent()) ?? '';
  t.match(row, '东山村', 'the village in the list');
  t.match(row, '东山村路灯坏了三盏', 'and the start of the content');
  await shot(page, 'staff-search-last4');
  t.same(await search('139 0000 4321'), [formatTicketNo(lamp)], 'the full phone, typed with spaces');
  t.same(await search('钱美华'), [formatTicketNo(lamp)], 'the name');
  t.same(await search('养猪场'), [formatTicketNo(pigFarm)], 'a word of the content');
  t.same(await search(formatTicketNo(other)), [formatTicketNo(other)], 'the ticket number, grouped as on the receipt');
  t.same(await search('8888'), [], 'digits nobody gave');
  t.match(await page.locator('p.empty').textContent(), '没有符合条件的工单');
});

t.test('the published notice on a phone: no third party\'s name, no contact data, the township\'s hotline kept', async (t) => {
  await act('clerk', pigFarm, 'assign', { departmentCode: 'cj' });
  clock.advance(3600_000);
  await signInAll();
  await act('road', pigFarm, 'accept');
  await act('road', pigFarm, 'reply', { reply: '已责令养殖户停止直排，建设沉淀池。', result: 'resolved' });
  await act('clerk', pigFarm, 'record_followup', { resolved: true, satisfaction: 'satisfied' });
  clock.set('2026-12-02T02:00:00Z'); // December: November is over
  await signInAll();

  const { page: staff } = await newPage(t, live, DESKTOP);
  staff.on('dialog', (d) => void d.accept());
  await signIn(staff, users.sup);
  await staff.goto('/staff/notices');
  await staff.getByLabel('公示月份').fill('2026-11');
  await staff.getByLabel('下一步工作（选填）').fill(`继续整治养殖污染。群众可拨打 ${HOTLINE} 反映。`);
  await Promise.all([staff.waitForURL(/done=generated/), staff.getByRole('button', { name: '生成草稿' }).click()]);
  await Promise.all([staff.waitForURL(/done=publish/), staff.getByRole('button', { name: /^发布第 1 版/ }).click()]);

  const { page } = await newPage(t, live, PHONE);
  await page.goto('/notices/2026-11');
  const text = (await page.locator('body').innerText()) ?? '';
  t.match(text, '邻居赵某家养猪场污水直排河道', 'the third party keeps the surname only');
  t.notMatch(text, '赵小明');
  t.notMatch(text, '王大明');
  t.notMatch(text, '13812345678');
  t.notMatch(text, '330102199001011234');
  t.notMatch(text, '***', 'the clauses that only carried contact data are dropped, not starred');
  t.notMatch(text, '我叫');
  t.match(text, `群众可拨打 ${HOTLINE} 反映`, 'the township\'s own hotline stays in the next steps');
  t.match(text, '青山镇');
  await shot(page, 'public-notice-names');

  for (const format of ['txt', 'csv']) {
    const res = await page.request.get(`/notices/2026-11.${format}`);
    t.equal(res.status(), 200, format);
    const body = await res.text();
    t.match(body, '赵某', format);
    t.notMatch(body, /赵小明|王大明|13812345678|330102199001011234/, `${format}: no personal data`);
  }

  // The next draft is prefilled with the next steps as they were written, hotline and all.
  await staff.goto('/staff/notices/2026-11');
  t.match(await staff.getByLabel('下一步工作（选填）').inputValue(), HOTLINE);
});
