// The pages' plumbing through app.inject: sign-in redirects, CSRF on form posts, errors next to the
// field with what was typed kept, idempotent registration, the resident's lockout messages, the
// admin forms, and escaping.
import t from 'tap';
import { setupApp, staffSession, type Session } from '../helpers/app.js';
import { register as registerAs } from '../helpers/tickets.js';

const ctx = await setupApp(t, { env: { PUBLIC_LOOKUP_RATE_LIMIT: '12' } });
const clerk = await staffSession(ctx, ['clerk']);
const admin = await staffSession(ctx, ['admin']);

function post(session: Session | null, url: string, fields: Record<string, string | string[]>, csrf: string | null = session?.csrf ?? null) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
  if (csrf !== null) body.append('_csrf', csrf);
  return ctx.app.inject({
    method: 'POST', url, payload: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(session ? { cookie: `hy_session=${session.cookie}` } : {}) },
  });
}
const get = (session: Session | null, url: string) =>
  ctx.app.inject({ method: 'GET', url, headers: session ? { cookie: `hy_session=${session.cookie}` } : {} });

async function register(body: Record<string, unknown>): Promise<string> {
  return registerAs(ctx, clerk, { channel: 'phone', kind: 'help', ...body });
}

t.test('staff pages want a session: sign-in redirect, also for unknown addresses', async (t) => {
  for (const url of ['/staff/tickets', '/staff/no-such-page', '/staff/']) {
    const res = await get(null, url);
    t.equal(res.statusCode, 303, url);
    t.match(res.headers.location, /^\/staff\/login/, url);
  }
  t.equal((await get(null, '/staff/tickets?status=closed')).headers.location, '/staff/login?next=%2Fstaff%2Ftickets%3Fstatus%3Dclosed');
  const signedIn = await get(clerk, '/staff/no-such-page');
  t.equal(signedIn.statusCode, 404);
  t.match(signedIn.body, '页面不存在');
  const forbidden = await get(clerk, '/staff/admin/users');
  t.equal(forbidden.statusCode, 403, 'a clerk is not an admin');
  t.match(forbidden.body, '您没有权限');
});

t.test('sign-in form: double-submit token, the same auth service, safe redirect', async (t) => {
  const page = await get(null, '/staff/login?next=/staff/inbox');
  const token = /name="_login" value="([^"]+)"/.exec(page.body)![1];
  const cookie = page.cookies.find((c) => c.name === 'hy_login_csrf')!.value;
  const form = (fields: Record<string, string>, withCookie = true) =>
    ctx.app.inject({
      method: 'POST', url: '/staff/login', payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(withCookie ? { cookie: `hy_login_csrf=${cookie}` } : {}) },
    });
  let res = await form({ username: admin.username, password: 'correct-horse-battery', _login: token }, false);
  t.equal(res.statusCode, 403, 'no token cookie, no sign-in');
  res = await form({ username: admin.username, password: 'wrong-password', _login: token });
  t.equal(res.statusCode, 401);
  t.match(res.body, '用户名或密码错误');
  t.match(res.body, `value="${admin.username}"`, 'the username stays typed');
  res = await form({ username: admin.username, password: 'correct-horse-battery', _login: token, next: '//evil.example/' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/staff/admin/users', 'an outside "next" is ignored');
  t.ok(res.cookies.find((c) => c.name === 'hy_session' && c.httpOnly && c.sameSite === 'Lax'));
});

t.test('form posts need the session’s CSRF token as _csrf; the API still wants JSON and the header', async (t) => {
  const no = await register({ content: '垃圾清运不及时，村口堆了好几天', complainant: { phone: '13900001111' } });
  // A stale or missing token changes nothing and goes back to the ticket page, where draft.js
  // puts back what was typed (issue 11 item 9); other forms answer 403.
  let res = await post(clerk, `/staff/tickets/${no}/actions/comment`, { note: '已电话联系' }, null);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/staff/tickets/${no}?stale=1`);
  res = await post(clerk, `/staff/tickets/${no}/actions/comment`, { note: '已电话联系' }, 'x'.repeat(32));
  t.equal(res.statusCode, 303);
  const { rows: comments } = await ctx.db.pool.query(
    "SELECT count(*)::int AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.ticket_no = $1 AND e.type = 'commented'", [no],
  );
  t.equal(comments[0].n, 0, 'nothing was done');
  res = await post(admin, '/staff/admin/departments', { code: 'csrf-test', name: '测试', kind: 'office' }, 'x'.repeat(32));
  t.equal(res.statusCode, 403);
  t.match(res.body, '安全校验失败');
  res = await post(clerk, `/staff/tickets/${no}/actions/comment`, { note: '已电话联系' });
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, `/staff/tickets/${no}?done=comment`);
  res = await post(clerk, `/api/v1/tickets/${no}/actions/comment`, { note: 'x', public: 'false' });
  t.equal(res.statusCode, 415, 'the API does not take forms');
});

t.test('registration form: errors next to the fields, in Chinese, nothing typed is lost; one ticket per form', async (t) => {
  const before = (await ctx.db.pool.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n;
  const fields = {
    idempotencyKey: 'form-key-0001', channel: 'phone', kind: 'help', content: '太短', 'complainant.name': '王五',
    'complainant.phone': '12345', villageCode: 'dongshan', address: '东山村5组', receivedAt: '2026-11-25T08:00',
  };
  let res = await post(clerk, '/staff/tickets', fields);
  t.equal(res.statusCode, 400);
  t.match(res.body, /id="f-content-err">至少需要 5 个字符</);
  t.match(res.body, /id="f-complainant-phone-err">电话号码格式不正确/);
  t.match(res.body, /<textarea id="f-content"[^>]*>太短<\/textarea>/, 'the content stays');
  t.match(res.body, /id="f-complainant-name" name="complainant.name" value="王五"/);
  t.match(res.body, /<option value="dongshan" selected>/);
  t.match(res.body, /href="#f-content">诉求内容：至少需要 5 个字符/, 'the summary links to the field');
  t.equal((await ctx.db.pool.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n, before, 'nothing registered');

  res = await post(clerk, '/staff/tickets', { ...fields, receivedAt: '昨天' });
  t.match(res.body, /id="f-receivedAt-err">时间格式不正确，请按“年-月-日 时:分”填写/);

  const good = { ...fields, content: '东山村5组路灯坏了，晚上看不见路', 'complainant.phone': '13812345678' };
  res = await post(clerk, '/staff/tickets', good);
  t.equal(res.statusCode, 303);
  const again = await post(clerk, '/staff/tickets', good);
  t.equal(again.headers.location, res.headers.location, 'a second Enter on the same form registers nothing new');
  const no = /\/staff\/tickets\/(\d{15})\/receipt/.exec(res.headers.location!)![1];
  const { rows } = await ctx.db.pool.query('SELECT received_at, category_code FROM tickets WHERE ticket_no = $1', [no]);
  t.equal(rows[0].received_at.toISOString(), '2026-11-25T00:00:00.000Z', 'the received time is read as Asia/Shanghai');
  t.equal(rows[0].category_code, null, 'no category chosen: it waits for assignment');
  const edited = await post(clerk, '/staff/tickets', { ...good, content: '东山村5组路灯坏了，另外路面也有坑' });
  t.equal(edited.statusCode, 422);
  t.match(edited.body, '这张表单已经登记过一次');
  t.notMatch(edited.body, 'value="form-key-0001"', 'a fresh key for the next submission');
});

t.test('the receipt shows the access code when no phone was given, and warns of duplicates', async (t) => {
  const first = await register({ content: '北苑社区垃圾桶满了没人清理', villageCode: 'beiyuan', categoryCode: 'sanitation' });
  const res = await post(clerk, '/staff/tickets', {
    idempotencyKey: 'form-key-0002', channel: 'walk_in', kind: 'complaint', content: '北苑社区垃圾桶满了没人清理，气味很大',
    villageCode: 'beiyuan', categoryCode: 'sanitation', 'complainant.anonymous': 'true',
  });
  t.equal(res.statusCode, 303);
  t.match(res.headers.location, `dup=${first}`);
  const receipt = await get(clerk, res.headers.location!);
  const no = /\/staff\/tickets\/(\d{15})\//.exec(res.headers.location!)![1];
  const { rows } = await ctx.db.pool.query('SELECT access_code, anonymous FROM tickets WHERE ticket_no = $1', [no]);
  t.ok(rows[0].anonymous);
  t.match(receipt.body, `<dd class="access-code">${rows[0].access_code}</dd>`);
  t.match(receipt.body, '可能重复');
  t.match(receipt.body, `<svg`, 'the QR code is inline SVG');
  t.equal(receipt.headers['cache-control'], 'no-store');
});

t.test('the resident: friendly messages for a wrong number, wrong digits, a locked number and too many lookups', async (t) => {
  const no = await register({ content: '南岭村灌溉水渠堵了，影响插秧', complainant: { phone: '13500002468' } });
  const track = (verify: string, n = no) => post(null, '/track', { no: n, verify }, null);
  let res = await track('2468', `${no.slice(0, 14)}${(Number(no[14]) + 1) % 10}`);
  t.equal(res.statusCode, 400);
  t.match(res.body, /id="f-no-err">校验位不符/);
  res = await track('12');
  t.match(res.body, /id="f-verify-err">请输入登记电话的后4位/);
  for (let i = 0; i < 5; i++) {
    res = await track('0000');
    t.equal(res.statusCode, 404);
  }
  t.match(res.body, '没有查到这张工单');
  res = await track('2468');
  t.equal(res.statusCode, 429, 'locked after 5 failures, even with the right digits');
  t.match(res.body, '查询已暂停1小时');
  for (let i = 0; i < 6; i++) res = await track('2468');
  t.equal(res.statusCode, 429);
  t.match(res.body, /查询过于频繁|查询太频繁/, 'the per-IP limit, in Chinese');
});

t.test('admin forms: users, departments, categories, limits, calendar', async (t) => {
  let res = await post(admin, '/staff/admin/users', { username: 'wang', displayName: '王承办', password: 'short', roles: ['handler'], active: 'true' });
  t.equal(res.statusCode, 400);
  t.match(res.body, /id="f-password-err">密码至少10个字符/);
  t.match(res.body, /value="handler" id="f-roles-1" checked/, 'the roles stay ticked');
  res = await post(admin, '/staff/admin/users', { username: 'wang', displayName: '王承办', password: 'long-enough-1', roles: ['handler'], active: 'true' });
  t.match(res.body, /id="f-departmentCode-err">承办人必须属于一个部门/, 'the service’s rule, next to its field');
  res = await post(admin, '/staff/admin/users', { username: 'wang', displayName: '王承办', password: 'long-enough-1', roles: ['handler', 'clerk'], departmentCode: 'sw', active: 'true' });
  t.equal(res.statusCode, 303);
  res = await post(admin, '/staff/admin/users/wang', { displayName: '王承办', roles: ['handler'], departmentCode: 'sw' });
  t.equal(res.statusCode, 303);
  const u = (await ctx.db.pool.query("SELECT roles, active FROM users WHERE username = 'wang'")).rows[0];
  t.same([u.roles, u.active], [['handler'], false], 'roles changed and the unticked box disabled the account');

  res = await post(admin, '/staff/admin/departments', { code: 'Bad Code', name: '新部门', kind: 'office' });
  t.match(res.body, /id="f-code-err">代码只能包含/);
  res = await post(admin, '/staff/admin/categories/dibao', { name: '低保特困救助', departmentCode: 'mz', keywords: '低保，特困 救助', 'resolveWithin.amount': '3', 'resolveWithin.unit': 'working_days', active: 'true' });
  t.equal(res.statusCode, 303);
  const c = (await ctx.db.pool.query("SELECT keywords, resolve_within, sign_off_within FROM categories WHERE code = 'dibao'")).rows[0];
  t.same(c, { keywords: ['低保', '特困', '救助'], resolve_within: { amount: 3, unit: 'working_days' }, sign_off_within: null });

  const sla = await get(admin, '/staff/admin/sla');
  const values: Record<string, string> = {};
  for (const m of sla.body.matchAll(/name="([\w.]+\.amount)" value="([^"]*)"/g)) values[m[1]] = m[2];
  for (const m of sla.body.matchAll(/<select name="([\w.]+\.unit)"[\s\S]*?<option value="(\w+)" selected>/g)) values[m[1]] = m[2];
  t.equal(Object.keys(values).length, 38, 'every limit and ladder step is on the form');
  res = await post(admin, '/staff/admin/sla', { ...values, 'kinds.consult.resolve.amount': '1.5' });
  t.match(res.body, /id="f-kinds-consult-resolve-err">工作日数必须是整数/);
  res = await post(admin, '/staff/admin/sla', { ...values, 'kinds.consult.resolve.amount': '3' });
  t.equal(res.statusCode, 303);
  const policy = (await ctx.db.pool.query('SELECT policy FROM sla_policy')).rows[0].policy;
  t.same(policy.kinds.consult.resolve, { amount: 3, unit: 'working_days' });

  res = await post(admin, '/staff/admin/calendar/2027', { holidays: '2027-01-01\n2027-02-06~2027-02-08', workdays: '2027-02-10' });
  t.match(res.body, /id="f-workdays-err">2027-02-10 不是周六或周日/);
  t.match(res.body, /2027-02-06~2027-02-08/, 'what was typed stays');
  // SPEC §18: a valid year is previewed first (the open deadlines it would move), then saved.
  res = await post(admin, '/staff/admin/calendar/2027', { holidays: '2027-01-01\n2027-02-06~2027-02-08', workdays: '2027-02-13' });
  t.equal(res.statusCode, 200);
  t.match(res.body, /保存前预览/);
  t.equal((await ctx.db.pool.query('SELECT 1 FROM calendar_years WHERE year = 2027')).rowCount, 0, 'nothing saved by the preview');
  res = await post(admin, '/staff/admin/calendar/2027', { holidays: '2027-01-01\n2027-02-06~2027-02-08', workdays: '2027-02-13', confirm: 'keep' });
  t.equal(res.statusCode, 303);
  const page = await get(admin, '/staff/admin/calendar/2027');
  t.match(page.body, /2027-01-01\n2027-02-06~2027-02-08/, 'consecutive days are shown as a range');
});

t.test('what people typed is escaped on every page', async (t) => {
  const no = await register({ content: '<script>alert(1)</script> 路灯不亮', complainant: { name: '<b>赵</b>', phone: '13600009999' } });
  const res = await get(clerk, `/staff/tickets/${no}`);
  t.notMatch(res.body, '<script>alert(1)</script>');
  t.match(res.body, '&lt;script&gt;alert(1)&lt;/script&gt;');
  t.match(res.body, '&lt;b&gt;赵&lt;/b&gt;');
  t.match(res.headers['content-security-policy'], "script-src 'self'");
  t.notMatch(res.headers['content-security-policy'], 'upgrade-insecure-requests', 'plain-http LAN addresses keep working');
});

t.test('admin page for API keys: scopes of SPEC §10, the key shown once, disable and enable', async (t) => {
  const page = await get(admin, '/staff/admin/api-keys');
  t.equal(page.statusCode, 200);
  for (const scope of ['open311', 'intake:hotline', 'intake:api']) t.match(page.body, `value="${scope}"`, `offers ${scope}`);
  t.equal((await get(clerk, '/staff/admin/api-keys')).statusCode, 403, 'admins only');

  const empty = await post(admin, '/staff/admin/api-keys', { name: '县12345平台' });
  t.equal(empty.statusCode, 400);
  t.match(empty.body, '请至少选择一个权限范围');
  t.match(empty.body, 'value="县12345平台"', 'what was typed is kept');

  const created = await post(admin, '/staff/admin/api-keys', { name: '县12345平台', scopes: ['intake:hotline', 'open311'] });
  t.equal(created.statusCode, 201);
  const key = /hy_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{20,}/.exec(created.body)?.[0];
  t.ok(key, 'the new key is on the page');
  t.match(created.body, '只显示这一次');
  const prefix = key!.slice(3, 11);
  const again = await get(admin, '/staff/admin/api-keys');
  t.notMatch(again.body, key!, 'never shown again');
  t.match(again.body, '12345 热线工单推送');

  const off = await post(admin, `/staff/admin/api-keys/${prefix}/disable`, {});
  t.equal(off.statusCode, 303);
  const { rows } = await ctx.db.pool.query('SELECT active, scopes FROM api_keys WHERE prefix = $1', [prefix]);
  t.same(rows[0], { active: false, scopes: ['intake:hotline', 'open311'] });
  t.equal((await post(admin, `/staff/admin/api-keys/${prefix}/enable`, {})).statusCode, 303);
  t.equal((await post(admin, `/staff/admin/api-keys/${prefix}/enable`, {}, 'wrong-token')).statusCode, 403, 'CSRF checked');
});

t.test('a bad address opened in a browser is a Chinese page, never raw JSON; the API keeps JSON', async (t) => {
  for (const url of ['/foo', '/track/xyz', '/notices/abc']) {
    const res = await get(null, url);
    t.equal(res.statusCode, 404, url);
    t.match(res.headers['content-type'], /text\/html/, url);
    t.match(res.body, '<html lang="zh-CN"', url);
    if (!url.startsWith('/notices')) t.match(res.body, '页面不存在', url);
  }
  const api = await get(null, '/api/v1/nope');
  t.equal(api.statusCode, 404);
  t.equal(api.json().code, 'NOT_FOUND');
  // Under /open311/v2 every error is in the Open311 shape (issue 13): an array of { code, description }.
  const open311 = await get(null, '/open311/v2/nope.json');
  t.equal(open311.statusCode, 404);
  t.match(open311.json(), [{ code: 404, description: String }]);
});
