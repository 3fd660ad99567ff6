// Staff login, sessions, CSRF, lockout, revocation, bootstrap admin and the audit chain (SPEC §10),
// through the real routes against a real Postgres, with the injected clock moved by hand.
import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { createStaff, json, login, setupApp, staffSession, type Session, type TestContext } from '../helpers/app.js';
import { withoutRequestId } from '../helpers/tickets.js';
import { bootstrapAdmin } from '../../src/services/users.service.js';
import { verifyAuditChain } from '../../src/db/audit.repository.js';
import { tokenHash } from '../../src/services/auth.service.js';

const ctx = await setupApp(t, {});
const PASSWORD = 'correct-horse-battery'; // the helpers' password for createStaff
const MINUTE = 60 * 1000;
const CHINESE = /[\u4e00-\u9fff]/;

const loginRequest = (c: TestContext, username: string, password: string) =>
  c.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
const me = (c: TestContext, cookie: string) =>
  c.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: `hy_session=${cookie}` } });
const patchUser = (admin: Session, username: string, payload: Record<string, unknown>, headers = admin.headers) =>
  ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${username}`, headers, payload });
const sessionCookie = (res: LightMyRequestResponse) => res.cookies.find((c) => c.name === 'hy_session');

async function userRow(username: string) {
  const { rows } = await ctx.db.pool.query(
    'SELECT password_hash, display_name, active FROM users WHERE username = $1',
    [username],
  );
  return rows[0];
}

t.test('login answers csrfToken and user and sets an HttpOnly SameSite=Lax cookie', async (t) => {
  const username = await createStaff(ctx, ['handler'], 'mz');
  const res = await loginRequest(ctx, username, PASSWORD);
  t.equal(res.statusCode, 200, res.body);
  const body = json(res);
  t.match(body.csrfToken, /^[A-Za-z0-9_-]{24,}$/, 'an unguessable CSRF token');
  t.same(body.user, { username, displayName: `测试${username}`, roles: ['handler'], departmentCode: 'mz' });
  t.equal(body.expiresAt, new Date(ctx.clock.now().getTime() + 12 * 60 * MINUTE).toISOString(), 'absolute expiry 12 h');
  t.notMatch(res.body, /argon2|correct-horse|password_?hash/i, 'nothing of the password in the answer');
  t.equal(body.mustChangePassword, false, 'an ordinary password: no change required');

  const cookie = sessionCookie(res);
  t.ok(cookie, 'hy_session cookie set');
  t.equal(cookie?.httpOnly, true, 'HttpOnly');
  t.equal(cookie?.sameSite, 'Lax', 'SameSite=Lax');
  t.notOk(cookie?.secure, 'not Secure when PUBLIC_BASE_URL is http');
  t.equal(cookie?.path, '/');
  t.equal(cookie?.maxAge, 12 * 60 * 60, 'the cookie lives no longer than the session');
  t.match(cookie?.value ?? '', /^[A-Za-z0-9_-]{40,}$/, 'a random token');

  // The database keeps a hash of the token, never the token itself.
  const { rows } = await ctx.db.pool.query(
    'SELECT s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1',
    [username],
  );
  t.equal(rows.length, 1, 'one session row');
  t.same(rows[0].token_hash, tokenHash(cookie?.value ?? '', ctx.deps.config.SESSION_SECRET), 'token stored as its hash');
  t.notOk(rows[0].token_hash.toString('utf8').includes(cookie?.value), 'never in clear');

  const upper = await loginRequest(ctx, username.toUpperCase(), PASSWORD);
  t.equal(upper.statusCode, 200, 'usernames are case-insensitive');
});

t.test('the cookie is Secure when PUBLIC_BASE_URL is https', async (t) => {
  const https = await setupApp(t, { clock: ctx.clock, env: { PUBLIC_BASE_URL: 'https://hy.example.gov.cn' } });
  const username = await createStaff(https, ['clerk']);
  const res = await loginRequest(https, username, PASSWORD);
  t.equal(res.statusCode, 200, res.body);
  const cookie = sessionCookie(res);
  t.equal(cookie?.secure, true, 'Secure');
  t.equal(cookie?.httpOnly, true, 'HttpOnly');
  t.equal(cookie?.sameSite, 'Lax', 'SameSite=Lax');
  t.equal((await me(https, cookie?.value ?? '')).statusCode, 200, 'the session works');
});

t.test('unknown user and wrong password answer the identical 401', async (t) => {
  const username = await createStaff(ctx, ['clerk']);
  const wrong = await loginRequest(ctx, username, 'not-the-password');
  const unknown = await loginRequest(ctx, 'nobody-here', 'not-the-password');
  t.equal(wrong.statusCode, 401);
  t.equal(unknown.statusCode, 401);
  t.equal(json(wrong).code, 'INVALID_CREDENTIALS');
  t.match(json(wrong).message, CHINESE, 'message in Chinese');
  t.ok(json(wrong).requestId, 'requestId present');
  t.same(withoutRequestId(wrong), withoutRequestId(unknown), 'identical bodies apart from requestId');
  t.notOk(sessionCookie(wrong), 'no cookie on failure');
  t.notOk(sessionCookie(unknown), 'no cookie on failure');
});

t.test('passwords are stored as Argon2id', async (t) => {
  const username = await createStaff(ctx, ['clerk']);
  const row = await userRow(username);
  t.match(row.password_hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/, 'Argon2id PHC string');
  t.notOk(row.password_hash.includes(PASSWORD), 'no plaintext');
});

t.test('GET /auth/me answers the signed-in user and refuses anyone else', async (t) => {
  const username = await createStaff(ctx, ['supervisor', 'leader']);
  const s = await login(ctx, username);
  const res = await me(ctx, s.cookie);
  t.equal(res.statusCode, 200, res.body);
  t.same(json(res), { username, displayName: `测试${username}`, roles: ['supervisor', 'leader'], departmentCode: null, csrfToken: s.csrf, mustChangePassword: false });

  const anonymous = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me' });
  t.equal(anonymous.statusCode, 401);
  t.equal(json(anonymous).code, 'UNAUTHENTICATED');
  t.match(json(anonymous).message, CHINESE);
  const forged = await me(ctx, 'x'.repeat(43));
  t.equal(forged.statusCode, 401, 'a made-up token is refused');
  t.equal(json(forged).code, 'UNAUTHENTICATED');
});

t.test('10 failures within 15 minutes lock the username for 15 minutes', async (t) => {
  const username = await createStaff(ctx, ['clerk']);
  for (let i = 0; i < 10; i++) {
    const res = await loginRequest(ctx, username, `wrong-password-${i}`);
    t.equal(res.statusCode, 401, `failure ${i + 1} answers 401`);
    ctx.clock.advance(30 * 1000);
  }
  // The 10th failure was 30 s ago.
  const locked = await loginRequest(ctx, username, PASSWORD);
  t.equal(locked.statusCode, 429, 'locked even with the right password');
  t.equal(json(locked).code, 'ACCOUNT_LOCKED');
  t.match(json(locked).message, CHINESE);
  t.notOk(sessionCookie(locked), 'no session while locked');
  t.equal(json(await loginRequest(ctx, username, 'still-wrong')).code, 'ACCOUNT_LOCKED', 'a wrong password too');

  ctx.clock.advance(14 * MINUTE); // 14.5 minutes after the 10th failure
  t.equal((await loginRequest(ctx, username, PASSWORD)).statusCode, 429, 'still locked before 15 minutes');
  ctx.clock.advance(31 * 1000); // 15 minutes and 1 s after it
  const unlocked = await loginRequest(ctx, username, PASSWORD);
  t.equal(unlocked.statusCode, 200, `unlocked after 15 minutes: ${unlocked.body}`);
});

t.test('failures spread over more than 15 minutes do not lock', async (t) => {
  const username = await createStaff(ctx, ['clerk']);
  for (let i = 0; i < 9; i++) t.equal((await loginRequest(ctx, username, 'wrong-password')).statusCode, 401);
  ctx.clock.advance(16 * MINUTE);
  t.equal((await loginRequest(ctx, username, 'wrong-password')).statusCode, 401, 'the 10th failure, 16 minutes later');
  t.equal((await loginRequest(ctx, username, PASSWORD)).statusCode, 200, 'not locked');
});

t.test('failures for an unknown username lock it too, with the same answer', async (t) => {
  const known = await createStaff(ctx, ['clerk']);
  const unknown = 'no-such-user-77';
  for (let i = 0; i < 10; i++) {
    t.equal((await loginRequest(ctx, known, 'wrong-password')).statusCode, 401);
    t.equal((await loginRequest(ctx, unknown, 'wrong-password')).statusCode, 401);
    ctx.clock.advance(10 * 1000);
  }
  const a = await loginRequest(ctx, known, PASSWORD);
  const b = await loginRequest(ctx, unknown, PASSWORD);
  t.equal(a.statusCode, 429);
  t.equal(b.statusCode, 429, 'an unknown username is locked as well');
  t.same(withoutRequestId(a), withoutRequestId(b), 'a lock reveals nothing about whether the user exists');
  ctx.clock.advance(16 * MINUTE);
  t.equal((await loginRequest(ctx, known, PASSWORD)).statusCode, 200);
});

t.test('a successful login clears the failure count', async (t) => {
  const username = await createStaff(ctx, ['clerk']);
  for (let i = 0; i < 9; i++) t.equal((await loginRequest(ctx, username, 'wrong-password')).statusCode, 401);
  t.equal((await loginRequest(ctx, username, PASSWORD)).statusCode, 200, 'success after 9 failures');
  for (let i = 0; i < 9; i++) t.equal((await loginRequest(ctx, username, 'wrong-password')).statusCode, 401);
  // 18 failures within a few seconds, but never 10 without a success in between.
  t.equal((await loginRequest(ctx, username, PASSWORD)).statusCode, 200, 'not locked');
  t.equal((await ctx.db.pool.query('SELECT 1 FROM login_failures WHERE username = $1', [username])).rowCount, 0);
});

t.test('state changes need the session CSRF token; reads do not', async (t) => {
  const admin = await staffSession(ctx, ['admin']);
  const other = await staffSession(ctx, ['admin']);
  const target = await createStaff(ctx, ['clerk']);
  const cookieOnly = { cookie: admin.headers.cookie };
  const before = await userRow(target);

  const cases: [string, Record<string, string>][] = [
    ['no X-CSRF-Token', cookieOnly],
    ['a wrong X-CSRF-Token', { ...cookieOnly, 'x-csrf-token': 'forged-token-forged-token-forged' }],
    ['another session’s X-CSRF-Token', { ...cookieOnly, 'x-csrf-token': other.csrf }],
    ['an empty X-CSRF-Token', { ...cookieOnly, 'x-csrf-token': '' }],
  ];
  for (const [name, headers] of cases) {
    const res = await patchUser(admin, target, { displayName: '被篡改' }, headers);
    t.equal(res.statusCode, 403, `${name}: 403`);
    t.equal(json(res).code, 'CSRF_FAILED', `${name}: CSRF_FAILED`);
    t.match(json(res).message, CHINESE, `${name}: message in Chinese`);
  }
  t.same(await userRow(target), before, 'nothing changed');

  const logout = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: cookieOnly });
  t.equal(logout.statusCode, 403, 'logout needs the token too');
  t.equal(json(logout).code, 'CSRF_FAILED');
  t.equal((await me(ctx, admin.cookie)).statusCode, 200, 'the session survived the refused logout');

  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: cookieOnly })).statusCode, 200, 'GET needs no CSRF header');
  t.equal((await me(ctx, admin.cookie)).statusCode, 200, 'GET /auth/me needs no CSRF header');

  const ok = await patchUser(admin, target, { displayName: '新名字' });
  t.equal(ok.statusCode, 200, ok.body);
  t.equal((await userRow(target)).display_name, '新名字', 'with the right token the change goes through');
});

t.test('idle timeout of 30 minutes, sliding with activity', async (t) => {
  const s = await staffSession(ctx, ['clerk']);
  ctx.clock.advance(29 * MINUTE);
  t.equal((await me(ctx, s.cookie)).statusCode, 200, 'alive after 29 idle minutes');
  ctx.clock.advance(29 * MINUTE);
  t.equal((await me(ctx, s.cookie)).statusCode, 200, '58 minutes after login, alive because the last request slid the window');
  ctx.clock.advance(31 * MINUTE);
  const res = await me(ctx, s.cookie);
  t.equal(res.statusCode, 401, 'ended after 31 idle minutes');
  t.equal(json(res).code, 'UNAUTHENTICATED');
  ctx.clock.advance(1 * MINUTE);
  t.equal((await me(ctx, s.cookie)).statusCode, 401, 'and it stays ended');
});

t.test('absolute timeout of 12 hours even when active', async (t) => {
  const s = await staffSession(ctx, ['clerk']);
  let alive = 0;
  for (let i = 1; i <= 35; i++) {
    ctx.clock.advance(20 * MINUTE);
    if ((await me(ctx, s.cookie)).statusCode === 200) alive++;
  }
  t.equal(alive, 35, 'alive for 11 h 40 min of activity every 20 minutes');
  ctx.clock.advance(20 * MINUTE);
  const res = await me(ctx, s.cookie);
  t.equal(res.statusCode, 401, 'ended at 12 hours');
  t.equal(json(res).code, 'UNAUTHENTICATED');
});

t.test('logout revokes the session at once', async (t) => {
  const username = await createStaff(ctx, ['clerk']);
  const s = await login(ctx, username);
  const second = await login(ctx, username);
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: s.headers });
  t.equal(res.statusCode, 200, res.body);
  t.same(json(res), { ok: true });
  const cleared = sessionCookie(res);
  t.equal(cleared?.value, '', 'the cookie is cleared');
  t.ok(cleared?.expires && cleared.expires.getTime() < Date.now(), 'and expired');

  const after = await me(ctx, s.cookie);
  t.equal(after.statusCode, 401, 'the same cookie no longer works');
  t.equal(json(after).code, 'UNAUTHENTICATED');
  t.equal((await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: s.headers })).statusCode, 401, 'logging out twice is refused');
  t.equal((await me(ctx, second.cookie)).statusCode, 200, 'the user’s other session is untouched');
});

t.test('disabling a user ends their sessions at once and they cannot log in', async (t) => {
  const admin = await staffSession(ctx, ['admin']);
  const username = await createStaff(ctx, ['handler'], 'sw');
  const a = await login(ctx, username);
  const b = await login(ctx, username);
  t.equal((await me(ctx, a.cookie)).statusCode, 200);

  const res = await patchUser(admin, username, { active: false });
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).active, false);
  t.equal((await me(ctx, a.cookie)).statusCode, 401, 'first session ended');
  t.equal((await me(ctx, b.cookie)).statusCode, 401, 'second session ended');

  const refused = await loginRequest(ctx, username, PASSWORD);
  const wrong = await loginRequest(ctx, username, 'not-the-password');
  t.equal(refused.statusCode, 401, 'a disabled user cannot log in');
  t.same(withoutRequestId(refused), withoutRequestId(wrong), 'with the same answer as a wrong password');

  t.equal((await patchUser(admin, username, { active: true })).statusCode, 200);
  t.equal((await loginRequest(ctx, username, PASSWORD)).statusCode, 200, 're-enabled: can log in again');
  t.equal((await me(ctx, a.cookie)).statusCode, 401, 'the old sessions stay ended');
});

t.test('a password change by the admin ends sessions; other changes do not', async (t) => {
  const admin = await staffSession(ctx, ['admin']);
  const username = await createStaff(ctx, ['clerk']);
  const s = await login(ctx, username);

  t.equal((await patchUser(admin, username, { displayName: '改名不影响会话' })).statusCode, 200);
  t.equal((await me(ctx, s.cookie)).statusCode, 200, 'a name change keeps the session');

  const newPassword = 'brand-new-password-2026';
  const res = await patchUser(admin, username, { password: newPassword });
  t.equal(res.statusCode, 200, res.body);
  t.notMatch(res.body, /argon2|brand-new/, 'no password or hash in the answer');
  t.equal((await me(ctx, s.cookie)).statusCode, 401, 'the session ended at once');
  t.equal((await loginRequest(ctx, username, PASSWORD)).statusCode, 401, 'the old password no longer works');
  t.equal((await loginRequest(ctx, username, newPassword)).statusCode, 200, 'the new one does');
  t.match((await userRow(username)).password_hash, /^\$argon2id\$/, 'the new password is hashed with Argon2id');
});

t.test('bootstrap admin on first start', async (t) => {
  const fresh = await setupApp(t, { clock: ctx.clock, env: { BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap-secret-2026' } });
  const count = async () => (await fresh.db.pool.query('SELECT count(*)::int AS n FROM users')).rows[0].n as number;
  t.equal(await count(), 0, 'no users yet');

  const withoutPassword = { ...fresh.deps, config: { ...fresh.deps.config, BOOTSTRAP_ADMIN_PASSWORD: undefined } };
  t.equal(await bootstrapAdmin(withoutPassword), false, 'nothing without BOOTSTRAP_ADMIN_PASSWORD');
  t.equal(await count(), 0);

  t.equal(await bootstrapAdmin(fresh.deps), true, 'creates the admin');
  const { rows } = await fresh.db.pool.query('SELECT username, roles, active, password_hash FROM users');
  t.equal(rows.length, 1);
  t.equal(rows[0].username, 'admin');
  t.same(rows[0].roles, ['admin']);
  t.equal(rows[0].active, true);
  t.match(rows[0].password_hash, /^\$argon2id\$/);

  const s = await login(fresh, 'admin', 'bootstrap-secret-2026');
  t.same((await me(fresh, s.cookie)).json().roles, ['admin']);
  const list = await fresh.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: s.headers });
  t.equal(list.statusCode, 200, 'the bootstrap admin may use the admin API');

  t.equal(await bootstrapAdmin(fresh.deps), false, 'does nothing once users exist');
  t.equal(await count(), 1);
});

t.test('bootstrap admin does nothing when another user exists', async (t) => {
  const other = await setupApp(t, { clock: ctx.clock, env: { BOOTSTRAP_ADMIN_PASSWORD: 'bootstrap-secret-2026' } });
  await createStaff(other, ['clerk'], null, 'first-clerk');
  t.equal(await bootstrapAdmin(other.deps), false);
  const { rows } = await other.db.pool.query('SELECT username FROM users');
  t.same(rows.map((r) => r.username), ['first-clerk'], 'no admin created');
});

t.test('the audit log records logins, failures, logouts and admin changes', async (t) => {
  const admin = await staffSession(ctx, ['admin']);
  const { rows: [{ max }] } = await ctx.db.pool.query('SELECT coalesce(max(id), 0)::int AS max FROM audit_log');
  const username = 'audited.user';
  const password = 'audited-password-1';

  const created = await ctx.app.inject({
    method: 'POST', url: '/api/v1/admin/users', headers: admin.headers,
    payload: { username, password, displayName: '审计用户', roles: ['clerk'] },
  });
  t.equal(created.statusCode, 201, created.body);
  t.equal((await loginRequest(ctx, username, 'wrong-password')).statusCode, 401);
  const s = await login(ctx, username, password);
  t.equal((await ctx.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: s.headers })).statusCode, 200);
  t.equal((await patchUser(admin, username, { active: false })).statusCode, 200);

  const { rows } = await ctx.db.pool.query(
    'SELECT actor, action, target, data FROM audit_log WHERE id > $1 ORDER BY id',
    [max],
  );
  t.match(rows, [
    { actor: `user:${admin.username}`, action: 'user.create', target: `user:${username}`, data: { roles: ['clerk'] } },
    { actor: `user:${username}`, action: 'login_failed' },
    { actor: `user:${username}`, action: 'login' },
    { actor: `user:${username}`, action: 'logout' },
    { actor: `user:${admin.username}`, action: 'user.update', target: `user:${username}`, data: { active: false } },
  ]);
  t.equal(rows.length, 5, 'one row per event');
  t.notMatch(JSON.stringify(rows), /audited-password|argon2/, 'no password or hash in the audit log');
  t.same((await verifyAuditChain(ctx.db.pool)).faults, [], 'the chain verifies');
});

// Last: it tampers with the chain.
t.test('the audit log is append-only and the verifier names an altered row', async (t) => {
  const { rows } = await ctx.db.pool.query('SELECT id::text FROM audit_log ORDER BY id');
  t.ok(rows.length >= 10, `enough rows to pick one in the middle (${rows.length})`);
  t.same((await verifyAuditChain(ctx.db.pool)).faults, [], 'intact before');
  const victim = rows[Math.floor(rows.length / 2)].id as string;

  await t.rejects(
    ctx.db.pool.query(`UPDATE audit_log SET data = '{"ip":"10.9.9.9"}' WHERE id = $1`, [victim]),
    /append-only/,
    'UPDATE refused by the trigger',
  );
  await t.rejects(ctx.db.pool.query('DELETE FROM audit_log WHERE id = $1', [victim]), /append-only/, 'DELETE refused');
  t.same((await verifyAuditChain(ctx.db.pool)).faults, [], 'still intact');

  const client = await ctx.db.pool.connect();
  try {
    await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await client.query(`UPDATE audit_log SET data = data || '{"tampered":true}' WHERE id = $1`, [victim]);
    await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  } finally {
    client.release();
  }
  t.same((await verifyAuditChain(ctx.db.pool)).faults, [{ id: victim, content: true, link: false }], 'names the altered row');
});
