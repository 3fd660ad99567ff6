// The township's hotline survives scrubbing (issue 11 item 15), and every date a resident reads is an Asia/Shanghai date (issue 11 item 7): a notice published at
// 00:31 Beijing time on 2 December is dated 2026-12-02, not the UTC 2026-12-01.
import t from 'tap';
import { json, setupApp, staffSession } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';

t.test('the publication date of a notice is the Beijing date', async (t) => {
  const clock = new TestClock('2026-12-01T16:31:00Z');
  const ctx = await setupApp(t, { clock, env: { TOWNSHIP_HOTLINES: '0571-88881234,12345' } });
  const supervisor = await staffSession(ctx, ['supervisor', 'admin']);
  const made = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/notices', headers: supervisor.headers, payload: { month: '2026-11', nextSteps: '有疑问请拨打便民热线0571-88881234；王主任手机13900001111' } });
  t.ok(made.statusCode < 300, made.body);
  const pub = await ctx.app.inject({ method: 'POST', url: '/api/v1/notices/2026-11/publish', headers: supervisor.headers });
  t.equal(json(pub).status, 'published', pub.body);
  const page = await ctx.app.inject({ method: 'GET', url: '/notices/2026-11' });
  t.equal(page.statusCode, 200);
  t.match(page.body, '发布于 2026-12-02');
  t.notMatch(page.body, '发布于 2026-12-01');
  // The township's own hotline stays readable in the next steps; anyone else's number does not.
  t.match(page.body, '便民热线0571-88881234');
  t.notMatch(page.body, '13900001111');
  const archive = await ctx.app.inject({ method: 'GET', url: '/notices' });
  t.match(archive.body, '<td>2026-12-02</td>');
});
