// Departments with no active handler (issue 11 item 12): tickets routed there are on the
// supervision board, and the departments page says how many handlers each has.
import t from 'tap';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';

t.test('tickets in a department nobody staffs are flagged on the board and the departments page', async (t) => {
  const ctx = await setupApp(t);
  const clerk = await staffSession(ctx, ['clerk']);
  const supervisor = await staffSession(ctx, ['supervisor']);
  const admin = await staffSession(ctx, ['admin']);
  await staffSession(ctx, ['handler'], 'cj'); // 村镇建设办 has a handler; 水务站 (sw) has none

  const register = async (content: string) =>
    json(await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content, complainant: { phone: '13500001111' } }))).ticketNo as string;
  const water = await register('自来水停了两天');
  const road = await register('村口道路有坑');
  for (const [no, dept] of [[water, 'sw'], [road, 'cj']]) {
    const r = await ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${no}/actions/assign`, headers: clerk.headers, payload: { departmentCode: dept } });
    t.equal(r.statusCode, 200, r.body);
  }

  const board = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/supervision', headers: supervisor.headers }));
  t.same(board.unstaffed.map((u: { ticketNo: string; departmentCode: string }) => [u.ticketNo, u.departmentCode]), [[water, 'sw']]);

  const page = await ctx.app.inject({ method: 'GET', url: '/staff/supervision', headers: { cookie: `hy_session=${supervisor.cookie}` } });
  t.equal(page.statusCode, 200);
  t.match(page.body, '无人承办');
  t.match(page.body, `/staff/tickets/${water}`);

  const depts = await ctx.app.inject({ method: 'GET', url: '/staff/admin/departments', headers: { cookie: `hy_session=${admin.cookie}` } });
  t.equal(depts.statusCode, 200);
  t.match(depts.body, /个启用的部门没有在岗承办人/);
  t.match(depts.body, /<code>cj<\/code><\/td><td>[^<]+<\/td><td>[^<]+<\/td><td>1<\/td>/, '村镇建设办 has 1 handler');
  t.match(depts.body, /<code>sw<\/code><\/td><td>[^<]+<\/td><td>[^<]+<\/td><td>0 <span class="tag danger">无人承办<\/span>/);

  // A handler for 水务站 takes the ticket off the board.
  await staffSession(ctx, ['handler'], 'sw');
  const after = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/supervision', headers: supervisor.headers }));
  t.same(after.unstaffed, []);
});
