// The generated and published notice through the real API (SPEC §8, §13): village × category cells
// of 1 or 2 tickets read "<3" in every published output that carries them (JSON, WeChat text), and
// the public archive page /notices lists the published months only, newest first, each linking to
// its page, text and CSV.
import t from 'tap';
import { createStaff, json, login, registrationRequest, setupApp } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';

const clock = new TestClock('2026-11-10T02:00:00Z');
const ctx = await setupApp(t, { clock, env: { TOWNSHIP_NAME: '东山镇' } });
const clerkName = await createStaff(ctx, ['clerk']);
const supervisorName = await createStaff(ctx, ['supervisor']);
const supervisor = async () => (await login(ctx, supervisorName)).headers;

async function register(villageCode: string, categoryCode: string | undefined, i: number): Promise<void> {
  const res = await ctx.app.inject(registrationRequest(await login(ctx, clerkName), {
    channel: 'phone', kind: 'complaint', content: `第${i}件：村里的问题需要处理`, villageCode, categoryCode, complainant: { anonymous: true },
  }));
  if (res.statusCode !== 201) throw new Error(res.body);
}

// November: 东山村 × 道路 1, 东山村 × 环境卫生 2, 西河村 × 道路 3, 南岭村 × (no category) 1.
let n = 0;
await register('dongshan', 'road', n++);
for (let i = 0; i < 2; i++) await register('dongshan', 'sanitation', n++);
for (let i = 0; i < 3; i++) await register('xihe', 'road', n++);
await register('nanling', undefined, n++);

const generate = async (month: string) => {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers: await supervisor(), payload: { month } });
  if (res.statusCode !== 201) throw new Error(`${month}: ${res.body}`);
};
const publish = async (month: string) => {
  const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/notices/${month}/publish`, headers: await supervisor() });
  if (json(res).status !== 'published') throw new Error(`${month}: ${res.body}`);
};

t.test('/notices before anything is published: the archive page, empty', async (t) => {
  clock.set('2026-12-01T03:00:00Z'); // 11:00 on 1 December in Beijing
  await generate('2026-11');
  const page = await ctx.app.inject({ method: 'GET', url: '/notices' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.body, '<h1>东山镇群众诉求办理情况公示</h1>');
  t.match(page.body, '暂无已发布的公示', 'says so, with the draft of 2026-11 kept out');
  t.notMatch(page.body, '/notices/2026-11');
});

t.test('"<3" for village × category cells of 1 or 2 tickets, in every published output that has the cells', async (t) => {
  await publish('2026-11');
  const notice = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/public/notices/2026-11' }));
  t.equal(notice.totals.received, 7);
  const cells = Object.fromEntries(
    notice.byVillage.flatMap((v: { code: string; count: number; byCategory: { code: string | null; count: number | string }[] }) =>
      v.byCategory.map((c) => [`${v.code}×${c.code}`, c.count])),
  );
  t.same(cells, { 'dongshan×road': '<3', 'dongshan×sanitation': '<3', 'xihe×road': 3, 'nanling×null': '<3' }, 'JSON: 1 and 2 as "<3", 3 as 3');
  t.same(notice.byVillage.map((v: { code: string; count: number }) => `${v.code}:${v.count}`).sort(), ['dongshan:3', 'nanling:1', 'xihe:3'], 'village totals stay numbers');
  const staff = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/notices/2026-11', headers: await supervisor() }));
  t.same(staff.byVillage, notice.byVillage, 'the staff draft view shows the same cells');

  const name = (code: string) => notice.byCategory.find((c: { code: string }) => c.code === code).name as string;
  const text = (await ctx.app.inject({ method: 'GET', url: '/notices/2026-11.txt' })).body;
  const dongshan = /东山村3件（([^）]*)）/.exec(text)?.[1] ?? '';
  t.same(dongshan.split('，').sort(), [`${name('road')}<3件`, `${name('sanitation')}<3件`].sort(), `WeChat text: ${dongshan}`);
  t.match(text, `西河村3件（${name('road')}3件）`);
  t.match(text, /南岭村1件（未分类<3件）/);
});

t.test('/notices lists the published months only, newest first, each with its page, text and CSV', async (t) => {
  await generate('2026-10');
  await publish('2026-10');
  await generate('2026-09'); // a draft
  await generate('2026-08');
  const hold = await ctx.app.inject({ method: 'POST', url: '/api/v1/notices/2026-08/hold', headers: await supervisor() });
  t.equal(hold.statusCode, 200, hold.body);

  const page = await ctx.app.inject({ method: 'GET', url: '/notices' });
  t.equal(page.statusCode, 200);
  const rows = [...page.body.matchAll(/<tr><td><a href="\/notices\/(\d{4}-\d{2})">([^<]+)<\/a><\/td><td>([^<]*)<\/td>/g)].map((m) => [m[1], m[2], m[3]]);
  t.same(rows, [['2026-11', '2026年11月', '2026-12-01'], ['2026-10', '2026年10月', '2026-12-01']], 'published months, newest first, dated in Beijing time');
  t.notMatch(page.body, '2026-09', 'not the draft');
  t.notMatch(page.body, '2026-08', 'not the held one');
  t.same(json(await ctx.app.inject({ method: 'GET', url: '/api/v1/public/notices' })).items.map((i: { month: string }) => i.month), ['2026-11', '2026-10'], 'the same as the JSON archive');

  const links = [...page.body.matchAll(/href="(\/notices\/[^"]+)"/g)].map((m) => m[1]);
  t.same(links, ['/notices/2026-11', '/notices/2026-11.txt', '/notices/2026-11.csv', '/notices/2026-10', '/notices/2026-10.txt', '/notices/2026-10.csv']);
  for (const link of links) {
    const res = await ctx.app.inject({ method: 'GET', url: link });
    t.equal(res.statusCode, 200, `${link} opens`);
    t.match(res.headers['content-type'], link.endsWith('.txt') ? /^text\/plain/ : link.endsWith('.csv') ? /^text\/csv/ : /^text\/html/, link);
  }
  t.equal((await ctx.app.inject({ method: 'GET', url: '/notices/2026-09' })).statusCode, 404, 'the draft month is not public');
});
