// The monthly notice end to end (SPEC §8): generated drafts with kept revisions, publishing
// (idempotent) to the public JSON, page, text and CSV, the WeCom robots receiving every part once
// even when they fail first, privacy of every output, and the automatic schedule.
import t from 'tap';
import { json, login, createStaff, registrationRequest, setupApp } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';
import { startFakeWeCom } from '../helpers/fake-wecom.js';
import { setupWorkers, waitFor, waitForJobsDone } from '../helpers/workers.js';
import { noticeTick } from '../../src/services/notices.service.js';

const wecom = await startFakeWeCom();
t.teardown(() => wecom.close());
const clock = new TestClock('2026-11-10T02:00:00Z');
const ctx = await setupApp(t, { clock, env: { WECOM_WEBHOOK_URLS: `${wecom.url('a')},${wecom.url('b')}` } });
const clerkName = await createStaff(ctx, ['clerk']);
const supName = await createStaff(ctx, ['supervisor']);
const handlerName = await createStaff(ctx, ['handler'], 'cj');
const h = async (who: string) => (await login(ctx, who)).headers;

const PEOPLE = [
  { name: '欧阳明华', phone: '13912345678', address: '东山村五组十二号' },
  { name: '张三', phone: '13800001111', address: '西河村二组' },
];
const numbers: string[] = [];
for (let i = 0; i < 40; i++) {
  const p = PEOPLE[i % 2];
  const res = await ctx.app.inject(
    registrationRequest(await login(ctx, clerkName), {
      channel: i % 3 === 0 ? 'wechat_group' : 'phone', kind: 'complaint', villageCode: i % 2 ? 'xihe' : 'dongshan', address: p.address,
      content: `我是${p.name}，电话${p.phone}，身份证110101199003077578，村里第${i}号路灯坏了很久，邮箱 zhang${i}@example.com`,
      categoryCode: 'road', complainant: { name: p.name, phone: p.phone }, confidential: i === 5,
      ...(i % 3 === 0 ? { wechat: { group: '东山村民群' } } : {}),
    }),
  );
  numbers.push(json(res).ticketNo);
}
for (const no of numbers.slice(0, 10)) {
  const headers = await h(clerkName);
  await ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/actions/assign`, headers, payload: { departmentCode: 'cj' } });
  await ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/actions/accept`, headers: await h(handlerName), payload: {} });
  await ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/actions/reply`, headers: await h(handlerName), payload: { reply: '已维修', result: 'resolved', publicSummary: '路灯已修复' } });
}

t.test('generate twice: one notice, two revisions; nothing public before publishing', async (t) => {
  clock.set('2026-12-01T03:00:00Z');
  const headers = await h(supName);
  const a = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers, payload: { month: '2026-11' } });
  t.equal(a.statusCode, 201, a.body);
  t.same(json(a), { month: '2026-11', revision: 1, status: 'draft' });
  const b = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers, payload: { month: '2026-11', nextSteps: '下月重点整治路灯问题' } });
  t.same(json(b), { month: '2026-11', revision: 2, status: 'draft' });
  const staff = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/notices/2026-11', headers }));
  t.equal(staff.revisions, 2);
  t.equal(staff.totals.received, 40);
  t.equal(staff.cases.length, 39, 'the confidential ticket is counted but not listed');
  t.equal(staff.nextSteps, '下月重点整治路灯问题');
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/v1/public/notices/2026-11' })).statusCode, 404);
  t.equal((await ctx.app.inject({ method: 'GET', url: '/notices/2026-11' })).statusCode, 404);
  t.equal((await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers, payload: { month: '2027-01' } })).statusCode, 400);
});

t.test('publish: public outputs, WeCom parts each once despite failures, idempotent', async (t) => {
  const workers = await setupWorkers(t, ctx);
  wecom.failNext = 2;
  const headers = await h(supName);
  const pub = await ctx.app.inject({ method: 'POST', url: '/api/v1/notices/2026-11/publish', headers });
  t.equal(pub.statusCode, 200, pub.body);
  t.equal(json(pub).status, 'published');
  const again = await ctx.app.inject({ method: 'POST', url: '/api/v1/notices/2026-11/publish', headers });
  t.equal(json(again).revision, 2);
  await workers.relay.drain();
  const text = (await ctx.app.inject({ method: 'GET', url: '/notices/2026-11.txt' })).body;
  const expectedParts = Math.ceil(Buffer.byteLength(text) / 2048);
  await waitFor('both robots got every part', async () => {
    const a = wecom.posts.filter((p) => p.path.endsWith('key=a'));
    const b = wecom.posts.filter((p) => p.path.endsWith('key=b'));
    return a.length >= expectedParts && b.length >= expectedParts && a.length === b.length;
  }, 20_000);
  // Every WeCom job has completed: any part posted twice would be among the posts by now.
  await waitForJobsDone(ctx, { topic: 'wecom', timeoutMs: 20_000 });
  const a = wecom.posts.filter((p) => p.path.endsWith('key=a'));
  t.ok(a.length >= 2, `the notice went out in ${a.length} parts`);
  t.equal(new Set(a.map((p) => p.content)).size, a.length, 'no part posted twice');
  t.ok(a.every((p) => Buffer.byteLength(p.content) <= 2048), 'every part ≤ 2048 bytes');
  t.equal(wecom.posts.length, 2 * a.length, 'each robot received the same parts once');

  const pubJson = await ctx.app.inject({ method: 'GET', url: '/api/v1/public/notices/2026-11' });
  t.equal(pubJson.statusCode, 200);
  t.equal(json(pubJson).revision, 2);
  const archive = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/public/notices' }));
  t.same(archive.items.map((i: { month: string }) => i.month), ['2026-11']);
  const page = await ctx.app.inject({ method: 'GET', url: '/notices/2026-11' });
  t.equal(page.statusCode, 200);
  t.match(page.body, /2026年11月群众诉求办理情况公示/);
  t.match(page.body, /路灯已修复/);
  const csv = await ctx.app.inject({ method: 'GET', url: '/notices/2026-11.csv' });
  t.equal(csv.statusCode, 200);
  t.ok(csv.body.startsWith('\uFEFF'));
  const everything = [pubJson.body, page.body, text, csv.body, ...wecom.posts.map((p) => p.content)].join('\n');
  for (const secret of ['欧阳明华', '张三', '13912345678', '13800001111', '110101199003077578', 'example.com', '五组十二号', '二组']) {
    t.notOk(everything.includes(secret), `no "${secret}" in any public output`);
  }
  t.ok(everything.includes('欧阳某') || !everything.includes('欧阳'), 'names only as 欧阳某');

  // Regenerating after publishing makes a new draft; the public keeps the published revision.
  await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers, payload: { month: '2026-11' } });
  t.equal(json(await ctx.app.inject({ method: 'GET', url: '/api/v1/public/notices/2026-11' })).revision, 2);
  t.equal(json(await ctx.app.inject({ method: 'GET', url: '/api/v1/notices/2026-11', headers })).revision, 3);
});

t.test('the schedule: draft from 02:00 on the 1st, published from 09:00 on the 3rd unless held', async (t) => {
  clock.set('2026-12-31T17:59:00Z'); // 2027-01-01 01:59 +08: not yet
  t.same(await noticeTick(ctx.deps), { generated: false, published: false });
  clock.set('2026-12-31T18:00:00Z'); // 02:00 on the 1st
  t.same(await noticeTick(ctx.deps), { generated: true, published: false });
  t.same(await noticeTick(ctx.deps), { generated: false, published: false }, 'once');
  clock.set('2027-01-03T00:59:00Z'); // 08:59 on the 3rd
  t.same(await noticeTick(ctx.deps), { generated: false, published: false });
  clock.set('2027-01-03T01:00:00Z'); // 09:00 on the 3rd
  t.same(await noticeTick(ctx.deps), { generated: false, published: true });
  t.equal(json(await ctx.app.inject({ method: 'GET', url: '/api/v1/public/notices/2026-12' })).status, 'published');

  clock.set('2027-02-01T03:00:00Z');
  await noticeTick(ctx.deps);
  const hold = await ctx.app.inject({ method: 'POST', url: '/api/v1/notices/2027-01/hold', headers: await h(supName) });
  t.equal(hold.statusCode, 200, hold.body);
  clock.set('2027-02-05T03:00:00Z');
  t.same(await noticeTick(ctx.deps), { generated: false, published: false }, 'a held notice is not published automatically');
});
