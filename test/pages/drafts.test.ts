// Nothing typed is lost (issue 11 item 9): a clerk whose session expired during a long call, or
// whose page went stale, gets the filled form back after signing in, and nothing is registered twice.
import t from 'tap';
import { PASSWORD, liveApp, newPage, shot, signIn, staffUser, waitForFocus } from '../helpers/browser.js';

const live = await liveApp(t);
const clerk = await staffUser(live, ['clerk']);
const CONTENT = '西河村二组自来水管爆裂，整组停水一天了，请尽快派人抢修';

const count = async () => (await live.db.pool.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n as number;

t.test('a session that expires mid-call keeps the typed demand through signing in again', async (t) => {
  const { page } = await newPage(t, live);
  await signIn(page, clerk);
  await page.selectOption('#f-kind', 'help');
  await page.fill('#f-content', CONTENT);
  await page.fill('#f-complainant-phone', '13655556666');
  await page.selectOption('#f-villageCode', 'xihe');

  live.clock.advance(31 * 60 * 1000); // 30 minutes idle: the session is gone
  const before = await count();
  await Promise.all([page.waitForURL(/\/staff\/login/), page.getByRole('button', { name: '登记并打印回执' }).click()]);
  t.match(await page.locator('[role=alert]').textContent(), '您填写的内容已保留', 'the login page says the draft is kept');
  t.equal(await count(), before, 'nothing registered by the refused post');
  await shot(page, 'staff-login-expired');

  await waitForFocus(page, 'username');
  await page.keyboard.type(clerk);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForURL(/\/staff\/tickets\/new/), page.keyboard.press('Enter')]);
  await page.locator('form[data-draft]').waitFor();
  await page.waitForFunction(() => (document.getElementById('f-content') as HTMLTextAreaElement).value.length > 0);
  t.equal(await page.inputValue('#f-content'), CONTENT, 'the content is back');
  t.equal(await page.inputValue('#f-complainant-phone'), '13655556666');
  t.equal(await page.inputValue('#f-villageCode'), 'xihe');
  t.equal(await page.inputValue('#f-kind'), 'help');
  t.match(await page.locator('p.alert.warn').textContent(), '已恢复');
  await shot(page, 'staff-register-restored');

  await Promise.all([page.waitForURL(/\/receipt\?new=1/), page.getByRole('button', { name: '登记并打印回执' }).click()]);
  t.equal(await count(), before + 1, 'registered once');
  await page.goto('/staff/tickets/new');
  t.equal(await page.inputValue('#f-content'), '', 'a registered draft is not offered again');
});

t.test('a stale page (signed in again elsewhere) goes back to the filled form instead of an error', async (t) => {
  const { context, page } = await newPage(t, live);
  await signIn(page, clerk);
  await page.selectOption('#f-kind', 'consult');
  await page.fill('#f-content', '想咨询一下今年的养老保险缴费标准');
  // The same clerk signs in again in another tab: this tab's CSRF token is now stale.
  const other = await context.newPage();
  await signIn(other, clerk);
  const before = await count();
  await Promise.all([page.waitForURL(/stale=1/), page.getByRole('button', { name: '登记并打印回执' }).click()]);
  await page.waitForFunction(() => (document.getElementById('f-content') as HTMLTextAreaElement).value.length > 0);
  t.equal(await page.inputValue('#f-content'), '想咨询一下今年的养老保险缴费标准');
  t.equal(await count(), before, 'nothing registered');
  await Promise.all([page.waitForURL(/\/receipt\?new=1/), page.getByRole('button', { name: '登记并打印回执' }).click()]);
  t.equal(await count(), before + 1);
});
