// The admins' queue dashboard (bull-board, read-only) behind the staff session: admins see every
// queue; other staff are refused; nobody signed out gets in.
import t from 'tap';
import { liveApp, newPage, shot, signIn, staffUser } from '../helpers/browser.js';
import { QUEUE_DASHBOARD_PATH } from '../../src/http/queue-dashboard.js';
import { QUEUE_NAMES } from '../../src/queue/names.js';

const live = await liveApp(t, { queueDashboard: true });

t.test('an admin sees every queue', async (t) => {
  const admin = await staffUser(live, ['admin']);
  // bull-board's page asks for a web font from the internet; offline that is only a missing font,
  // so this page is opened without the helper's console-error check.
  const context = await live.browser.newContext({ baseURL: live.base, locale: 'zh-CN' });
  t.teardown(() => context.close());
  const page = await context.newPage();
  page.on('pageerror', (err) => t.fail(`page error: ${err.message}`));
  await signIn(page, admin);
  await page.goto(QUEUE_DASHBOARD_PATH);
  for (const name of QUEUE_NAMES) {
    await page.getByText(name, { exact: true }).first().waitFor({ timeout: 15_000 });
  }
  t.pass('all queues listed');
  await page.waitForLoadState('networkidle');
  await shot(page, 'staff-admin-queues');
});

t.test('other staff and strangers are refused', async (t) => {
  const anonymous = await fetch(`${live.base}${QUEUE_DASHBOARD_PATH}/api/queues`);
  t.equal(anonymous.status, 401);
  const clerk = await staffUser(live, ['clerk']);
  const { page } = await newPage(t, live);
  await signIn(page, clerk);
  const res = await page.request.get(`${QUEUE_DASHBOARD_PATH}/api/queues`);
  t.equal(res.status(), 403);
});
