// Every date a resident reads is an Asia/Shanghai date (issue 11 item 7): a notice published at
// 00:31 Beijing time on 2 December is dated 2026-12-02, not the UTC 2026-12-01.
import t from 'tap';
import { json, setupApp, staffSession } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';

t.test('the publication date of a notice is the Beijing date', async (t) => {
  const clock = new TestClock('2026-12-01T16:31:00Z');
  const ctx = await setupApp(t, { clock });
  const supervisor = await staffSession(ctx, ['supervisor', 'admin']);
  const made = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers: supervisor.headers, payload: { month: '2026-11' } });
  t.ok(made.statusCode < 300, made.body);
  const pub = await ctx.app.inject({ method: 'POST', url: '/api/v1/notices/2026-11/publish', headers: supervisor.headers });
  t.equal(json(pub).status, 'published', pub.body);
  const page = await ctx.app.inject({ method: 'GET', url: '/notices/2026-11' });
  t.equal(page.statusCode, 200);
  t.match(page.body, '发布于 2026-12-02');
  t.notMatch(page.body, '发布于 2026-12-01');
  const archive = await ctx.app.inject({ method: 'GET', url: '/notices' });
  t.match(archive.body, '<td>2026-12-02</td>');
});
