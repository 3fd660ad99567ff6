// TOWNSHIP_NAME and TOWNSHIP_HOTLINES reach every place a resident or clerk reads them: the public
// and staff page frames, the receipt, the monthly notice (page, text, WeCom) and the SMS signature.
import t from 'tap';
import { json, login, createStaff, registrationRequest, setupApp } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';
import { notifyResident } from '../../src/services/notify.service.js';
import { deliverToWeCom } from '../../src/services/notices.service.js';
import type { SmsMessage } from '../../src/services/notifier.js';

const clock = new TestClock('2026-11-10T02:00:00Z');
const ctx = await setupApp(t, {
  clock,
  env: { TOWNSHIP_NAME: '东山镇', TOWNSHIP_HOTLINES: '0571-88881234,12345', WECOM_WEBHOOK_URLS: 'http://127.0.0.1:9/robot' },
});
const clerk = await login(ctx, await createStaff(ctx, ['clerk']));
const supervisorName = await createStaff(ctx, ['supervisor']);

const res = await ctx.app.inject(
  registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '路灯坏了好几天了', complainant: { phone: '13700000009' }, villageCode: 'dongshan' }),
);
const ticketNo: string = json(res).ticketNo;

t.test('the public pages name the township in the title, header and footer, with tel: links to the hotlines', async (t) => {
  const home = await ctx.app.inject({ method: 'GET', url: '/' });
  t.equal(home.statusCode, 200);
  t.match(home.body, /<title>[^<]* · 东山镇<\/title>/);
  t.match(home.body, /<a class="brand" href="\/">东山镇<small>/);
  t.match(home.body, /<footer class="pubfoot">[\s\S]*东山镇 · 咨询电话 <a href="tel:0571-88881234">0571-88881234<\/a>、<a href="tel:12345">12345<\/a>/);
  const login = await ctx.app.inject({ method: 'GET', url: '/staff/login' });
  t.match(login.body, /<title>工作人员登录 · 东山镇<\/title>/);
});

t.test('staff pages carry the township in the title and the top bar', async (t) => {
  const page = await ctx.app.inject({ method: 'GET', url: '/staff/tickets', headers: { cookie: clerk.headers.cookie } });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<title>[^<]* · 东山镇 · 回应<\/title>/);
  t.match(page.body, /<a class="brand" href="\/staff\/">东山镇 · 回应<small>/);
});

t.test('the receipt is headed by the township and lists its hotlines', async (t) => {
  const page = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticketNo}/receipt`, headers: { cookie: clerk.headers.cookie } });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<h1>东山镇群众诉求受理回执<\/h1>/);
  t.match(page.body, /<p class="hotline">咨询电话：0571-88881234、12345<\/p>/);
});

t.test('the SMS signature is the township’s name', async (t) => {
  const sent: SmsMessage[] = [];
  const { rows } = await ctx.db.pool.query('SELECT id::text FROM tickets WHERE ticket_no = $1', [ticketNo]);
  const result = await notifyResident(
    { ...ctx.deps, notifier: { name: 'test', send: async (m) => void sent.push(m) } },
    { ticketId: rows[0].id, template: 'registered', round: 99 },
  );
  t.equal(result, 'sent');
  t.equal(sent.length, 1);
  t.match(sent[0].text, /^【东山镇】您反映的诉求已登记，工单号/);
});

t.test('the monthly notice: page, text and WeCom headed by the township, closed by the hotlines', async (t) => {
  clock.set('2026-12-01T03:00:00Z');
  const supervisor = await login(ctx, supervisorName);
  const gen = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers: supervisor.headers, payload: { month: '2026-11' } });
  t.equal(gen.statusCode, 201, gen.body);
  const pub = await ctx.app.inject({ method: 'POST', url: '/api/v1/notices/2026-11/publish', headers: supervisor.headers });
  t.equal(pub.statusCode, 200, pub.body);

  const page = await ctx.app.inject({ method: 'GET', url: '/notices/2026-11' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<title>东山镇2026年11月群众诉求办理情况公示<\/title>/);
  t.match(page.body, /<h1>东山镇2026年11月群众诉求办理情况公示<\/h1>/);
  t.match(page.body, /如有疑问请拨打咨询电话 0571-88881234、12345。/);
  const archive = await ctx.app.inject({ method: 'GET', url: '/notices' });
  t.match(archive.body, /<h1>东山镇群众诉求办理情况公示<\/h1>/);

  const text = (await ctx.app.inject({ method: 'GET', url: '/notices/2026-11.txt' })).body;
  t.match(text, /^【东山镇2026年11月群众诉求办理情况公示】\n/);
  t.match(text, /\n如有疑问，请拨打咨询电话0571-88881234、12345。\n$/);

  const posted: string[] = [];
  const parts = await deliverToWeCom(ctx.deps, { month: '2026-11', revision: 1, webhook: 0 }, async (_url, content) => void posted.push(content));
  t.equal(parts, 1);
  t.equal(posted[0], text, 'the WeCom message is the same text');
});
