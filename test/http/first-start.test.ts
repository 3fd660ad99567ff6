// First start without BOOTSTRAP_ADMIN_PASSWORD (issue 11, item 2): `admin` gets a generated one-time
// password, and a session signed in with it can do nothing but change it — the API answers 403
// PASSWORD_CHANGE_REQUIRED, the pages send the user to the change-password form in Chinese.
import t, { type Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { createStaff, json, setupApp, type TestContext } from '../helpers/app.js';
import { TestClock } from '../helpers/clock.js';
import { createFirstAdmin } from '../../src/services/users.service.js';
import { verifyAuditChain } from '../../src/db/audit.repository.js';

const clock = new TestClock();
const ONE_TIME = /^[a-km-z2-9]{4}(-[a-km-z2-9]{4}){3}$/;
const CHINESE = /[\u4e00-\u9fff]/;

const apiLogin = (c: TestContext, username: string, password: string) =>
  c.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
const cookieOf = (res: LightMyRequestResponse) => res.cookies.find((c) => c.name === 'hy_session')!.value;

async function firstStart(t: Test): Promise<{ ctx: TestContext; password: string }> {
  const ctx = await setupApp(t, { clock });
  const password = await createFirstAdmin(ctx.deps);
  if (!password) throw new Error('no admin created');
  return { ctx, password };
}

t.test('createFirstAdmin: admin with a one-time password, only on an empty users table and without BOOTSTRAP_ADMIN_PASSWORD', async (t) => {
  const { ctx, password } = await firstStart(t);
  t.match(password, ONE_TIME, 'four groups of four, no look-alike characters');
  const { rows } = await ctx.db.pool.query('SELECT username, roles, active, must_change_password, password_hash FROM users');
  t.equal(rows.length, 1);
  t.match(rows[0], { username: 'admin', roles: ['admin'], active: true, must_change_password: true });
  t.notOk(rows[0].password_hash.includes(password), 'stored hashed');
  t.equal(await createFirstAdmin(ctx.deps), null, 'a second start creates nothing');
  const audit = await ctx.db.pool.query(`SELECT actor, action, data FROM audit_log WHERE action = 'user.create'`);
  t.match(audit.rows, [{ actor: 'system:first-start', action: 'user.create', data: { roles: ['admin'], mustChangePassword: true } }]);
  t.notMatch(JSON.stringify(audit.rows), password, 'the password is not in the audit log');

  const withEnv = await setupApp(t, { clock, env: { BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap-secret-2026' } });
  t.equal(await createFirstAdmin(withEnv.deps), null, 'BOOTSTRAP_ADMIN_PASSWORD set: bootstrapAdmin’s job, no one-time password');
  const withUser = await setupApp(t, { clock });
  await createStaff(withUser, ['clerk'], null, 'first-clerk');
  t.equal(await createFirstAdmin(withUser.deps), null, 'a user exists already');
  t.equal((await withUser.db.pool.query(`SELECT 1 FROM users WHERE username = 'admin'`)).rowCount, 0);

  const twice = await setupApp(t, { clock });
  const raced = await Promise.all([createFirstAdmin(twice.deps), createFirstAdmin(twice.deps)]);
  t.equal(raced.filter(Boolean).length, 1, 'two replicas starting together: one password, printed by one of them');
});

t.test('API: a one-time password session must change the password before anything else', async (t) => {
  const { ctx, password } = await firstStart(t);
  const res = await apiLogin(ctx, 'admin', password);
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).mustChangePassword, true, 'the login answer says so');
  const cookie = cookieOf(res);
  const headers = { cookie: `hy_session=${cookie}`, 'x-csrf-token': json(res).csrfToken as string };
  const other = await apiLogin(ctx, 'admin', password); // a second session, e.g. another browser

  for (const [method, url, payload] of [
    ['GET', '/api/v1/admin/users', undefined],
    ['GET', '/api/v1/tickets', undefined],
    ['POST', '/api/v1/admin/users', { username: 'clerk1', password: 'clerk-password-1', displayName: '王登记', roles: ['clerk'] }],
  ] as const) {
    const refused = await ctx.app.inject({ method, url, headers, payload });
    t.equal(refused.statusCode, 403, `${method} ${url}: 403`);
    t.equal(json(refused).code, 'PASSWORD_CHANGE_REQUIRED');
    t.match(json(refused).message, CHINESE);
  }
  t.equal((await ctx.db.pool.query('SELECT 1 FROM users')).rowCount, 1, 'nothing was created');

  const me = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
  t.equal(me.statusCode, 200, '/auth/me is open');
  t.equal(json(me).mustChangePassword, true);

  const change = (body: Record<string, unknown>, h: Record<string, string> = headers) =>
    ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: h, payload: body });
  const noCsrf = await change({ currentPassword: password, newPassword: 'my-own-password-2026' }, { cookie: headers.cookie });
  t.equal(json(noCsrf).code, 'CSRF_FAILED', 'the change needs the CSRF token');
  const wrong = await change({ currentPassword: 'not-the-password', newPassword: 'my-own-password-2026' });
  t.equal(wrong.statusCode, 400);
  t.match(json(wrong), { code: 'VALIDATION_FAILED', details: [{ path: 'currentPassword', message: '当前密码不正确' }] });
  const same = await change({ currentPassword: password, newPassword: password });
  t.match(json(same), { code: 'VALIDATION_FAILED', details: [{ path: 'newPassword', message: '新密码不能与当前密码相同' }] });
  const short = await change({ currentPassword: password, newPassword: 'short' });
  t.match(json(short), { code: 'VALIDATION_FAILED', details: [{ path: 'newPassword' }] });
  t.equal(json(await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers })).code, 'PASSWORD_CHANGE_REQUIRED', 'still refused');

  const ok = await change({ currentPassword: password, newPassword: 'my-own-password-2026' });
  t.equal(ok.statusCode, 200, ok.body);
  t.same(json(ok), { ok: true });
  const users = await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers });
  t.equal(users.statusCode, 200, 'the same session may now work');
  t.equal(json(await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers })).mustChangePassword, false);
  const otherMe = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: `hy_session=${cookieOf(other)}` } });
  t.equal(otherMe.statusCode, 401, 'the other session ended with the change');

  t.equal((await apiLogin(ctx, 'admin', password)).statusCode, 401, 'the one-time password is gone');
  const again = await apiLogin(ctx, 'admin', 'my-own-password-2026');
  t.equal(again.statusCode, 200);
  t.equal(json(again).mustChangePassword, false);

  const audit = await ctx.db.pool.query(`SELECT actor, action, target, data FROM audit_log WHERE action LIKE 'password_change%' ORDER BY id`);
  t.match(audit.rows, [
    { actor: 'user:admin', action: 'password_change_failed' },
    { actor: 'user:admin', action: 'password_change', target: 'user:admin', data: { oneTimePasswordReplaced: true, sessionsRevoked: 1 } },
  ]);
  t.notMatch(JSON.stringify(audit.rows), /my-own-password|argon2/);
  t.same((await verifyAuditChain(ctx.db.pool)).faults, []);
});

t.test('API: any user may change their own password; a wrong current password counts towards the lockout', async (t) => {
  const ctx = await setupApp(t, { clock });
  const username = await createStaff(ctx, ['clerk']);
  const res = await apiLogin(ctx, username, 'correct-horse-battery');
  t.equal(json(res).mustChangePassword, false, 'an ordinary account');
  const headers = { cookie: `hy_session=${cookieOf(res)}`, 'x-csrf-token': json(res).csrfToken as string };
  for (let i = 0; i < 10; i++) {
    const wrong = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers, payload: { currentPassword: `guess-${i}`, newPassword: 'new-password-2026' } });
    t.equal(wrong.statusCode, 400);
  }
  const locked = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers, payload: { currentPassword: 'correct-horse-battery', newPassword: 'new-password-2026' } });
  t.equal(locked.statusCode, 429, 'ten wrong guesses lock the username');
  t.equal(json(locked).code, 'ACCOUNT_LOCKED');
  clock.advance(16 * 60 * 1000);
  const ok = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { ...headers }, payload: { currentPassword: 'correct-horse-battery', newPassword: 'new-password-2026' } });
  t.equal(ok.statusCode, 200, ok.body);
  t.equal((await apiLogin(ctx, username, 'new-password-2026')).statusCode, 200);
});

t.test('pages: sign-in with the one-time password leads to the change-password form, every staff page back to it', async (t) => {
  const { ctx, password } = await firstStart(t);
  const get = (url: string, cookie?: string) => ctx.app.inject({ method: 'GET', url, headers: cookie ? { cookie: `hy_session=${cookie}` } : {} });
  const post = (url: string, fields: Record<string, string>, cookie?: string) =>
    ctx.app.inject({
      method: 'POST', url, payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    });

  const loginPage = await get('/staff/login?next=/staff/admin/departments');
  const token = /name="_login" value="([^"]+)"/.exec(loginPage.body)![1];
  const loginCookie = loginPage.cookies.find((c) => c.name === 'hy_login_csrf')!.value;
  const signedIn = await post('/staff/login', { username: 'admin', password, _login: token, next: '/staff/admin/departments' }, `hy_login_csrf=${loginCookie}`);
  t.equal(signedIn.statusCode, 303);
  t.equal(signedIn.headers.location, '/staff/password?next=%2Fstaff%2Fadmin%2Fdepartments', 'to the form, keeping where they were going');
  const cookie = cookieOf(signedIn);

  const elsewhere = await get('/staff/admin/users', cookie);
  t.equal(elsewhere.statusCode, 303);
  t.equal(elsewhere.headers.location, '/staff/password?next=%2Fstaff%2Fadmin%2Fusers', 'any other page sends them back');
  t.equal((await get('/staff/', cookie)).headers.location, '/staff/password');

  const form = await get('/staff/password?next=/staff/admin/departments', cookie);
  t.equal(form.statusCode, 200);
  t.match(form.body, '<h1>修改密码</h1>');
  t.match(form.body, '您正在使用一次性初始密码登录');
  t.match(form.body, '一次性初始密码');
  t.notMatch(form.body, 'href="/staff/admin/users"', 'no navigation to pages it cannot open yet');
  t.match(form.body, '<input type="hidden" name="next" value="/staff/admin/departments">');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];

  const mismatch = await post('/staff/password', { _csrf: csrf, currentPassword: password, newPassword: 'my-own-password-2026', newPasswordAgain: 'something-else-2026', next: '/staff/admin/departments' }, `hy_session=${cookie}`);
  t.equal(mismatch.statusCode, 400);
  t.match(mismatch.body, '两次输入的新密码不一致');
  t.notMatch(mismatch.body, password, 'passwords are never echoed back');
  const wrong = await post('/staff/password', { _csrf: csrf, currentPassword: 'wrong-password', newPassword: 'my-own-password-2026', newPasswordAgain: 'my-own-password-2026' }, `hy_session=${cookie}`);
  t.equal(wrong.statusCode, 400);
  t.match(wrong.body, '当前密码不正确');

  const done = await post('/staff/password', { _csrf: csrf, currentPassword: password, newPassword: 'my-own-password-2026', newPasswordAgain: 'my-own-password-2026', next: '/staff/admin/departments' }, `hy_session=${cookie}`);
  t.equal(done.statusCode, 303, done.body);
  t.equal(done.headers.location, '/staff/admin/departments', 'on to where they were going');
  const users = await get('/staff/admin/users', cookie);
  t.equal(users.statusCode, 200, 'the pages open now');
  t.match(users.body, 'href="/staff/password"', 'the top bar links to the change-password form');
});
