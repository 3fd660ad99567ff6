// Admin API (SPEC §12): users, departments and categories, with validation details in Chinese, and
// the admin-only guard on every route, against a real Postgres.
import t from 'tap';
import { json, login, setupApp, staffSession, type Session } from '../helpers/app.js';
import { expectInvalid } from '../helpers/tickets.js';

const ctx = await setupApp(t, {});
const admin = await staffSession(ctx, ['admin']);
const CHINESE = /[\u4e00-\u9fff]/;

type Method = 'GET' | 'POST' | 'PATCH';
const call = (method: Method, url: string, payload?: Record<string, unknown>, session: Session | null = admin) =>
  ctx.app.inject({ method, url: `/api/v1/admin${url}`, headers: session?.headers ?? {}, ...(payload ? { payload } : {}) });

async function count(table: 'users' | 'departments' | 'categories'): Promise<number> {
  return (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
}

const newUser = {
  username: 'Wang.Li',
  password: 'long-enough-password',
  displayName: '王丽',
  roles: ['handler'],
  departmentCode: 'mz',
};

t.test('users: create answers 201 without the password hash', async (t) => {
  const before = await count('users');
  const res = await call('POST', '/users', newUser);
  t.equal(res.statusCode, 201, res.body);
  const body = json(res);
  t.same(Object.keys(body).sort(), ['active', 'createdAt', 'departmentCode', 'displayName', 'roles', 'updatedAt', 'username']);
  t.match(body, { username: 'wang.li', displayName: '王丽', roles: ['handler'], departmentCode: 'mz', active: true });
  t.notMatch(res.body, /argon2|long-enough-password/, 'neither hash nor password in the answer');
  t.equal(await count('users'), before + 1);

  const s = await login(ctx, 'wang.li', 'long-enough-password');
  t.equal(s.username, 'wang.li', 'the new user can log in');
});

t.test('users: a duplicate username is 409 CONFLICT with details', async (t) => {
  const before = await count('users');
  for (const username of ['wang.li', 'WANG.LI']) {
    const res = await call('POST', '/users', { ...newUser, username, displayName: '另一个王丽' });
    t.equal(res.statusCode, 409, `${username}: 409`);
    const body = json(res);
    t.equal(body.code, 'CONFLICT');
    t.match(body.message, CHINESE);
    t.same(body.details?.map((d: { path: string }) => d.path), ['username']);
    t.match(body.details?.[0]?.message, CHINESE);
  }
  t.equal(await count('users'), before, 'nothing stored');
  const { rows } = await ctx.db.pool.query("SELECT display_name FROM users WHERE username = 'wang.li'");
  t.equal(rows[0].display_name, '王丽', 'the existing user is untouched');
});

t.test('users: every validation rule names its field in Chinese and stores nothing', async (t) => {
  const before = await count('users');
  const cases: [string, Record<string, unknown>, string][] = [
    ['handler without departmentCode', { ...newUser, username: 'h1', departmentCode: undefined }, 'departmentCode'],
    ['handler with null departmentCode', { ...newUser, username: 'h2', departmentCode: null }, 'departmentCode'],
    ['unknown department', { ...newUser, username: 'h3', departmentCode: 'nowhere' }, 'departmentCode'],
    ['unknown department, non-handler', { ...newUser, username: 'c1', roles: ['clerk'], departmentCode: 'nowhere' }, 'departmentCode'],
    ['bad department code format', { ...newUser, username: 'h4', departmentCode: 'Min Zheng' }, 'departmentCode'],
    ['username too short', { ...newUser, username: 'a' }, 'username'],
    ['username in Chinese', { ...newUser, username: '王丽' }, 'username'],
    ['username with a space', { ...newUser, username: 'wang li' }, 'username'],
    ['username too long', { ...newUser, username: 'w'.repeat(41) }, 'username'],
    ['password too short', { ...newUser, username: 'h5', password: 'short' }, 'password'],
    ['missing password', { ...newUser, username: 'h6', password: undefined }, 'password'],
    ['missing displayName', { ...newUser, username: 'h7', displayName: undefined }, 'displayName'],
    ['empty roles', { ...newUser, username: 'h8', roles: [] }, 'roles'],
    ['unknown role', { ...newUser, username: 'h9', roles: ['king'] }, 'roles[0]'],
    ['unknown field', { ...newUser, username: 'h10', isSuperuser: true }, 'isSuperuser'],
    ['active not boolean', { ...newUser, username: 'h11', active: 'yes' }, 'active'],
  ];
  for (const [name, body, path] of cases) expectInvalid(t, await call('POST', '/users', body), path, name);
  const short = json(await call('POST', '/users', { ...newUser, username: 'h12', password: 'short' }));
  t.equal(short.details[0].message, '密码至少10个字符', 'the password rule says what it wants');
  t.equal(await count('users'), before, 'no user stored by any refused request');
});

t.test('users: list never shows password hashes', async (t) => {
  const res = await call('GET', '/users');
  t.equal(res.statusCode, 200);
  const items = json(res).items as Record<string, unknown>[];
  t.equal(items.length, await count('users'), 'every user listed');
  t.match(items.find((u) => u.username === 'wang.li'), { displayName: '王丽', roles: ['handler'], departmentCode: 'mz', active: true });
  t.ok(items.some((u) => u.username === admin.username));
  t.notMatch(res.body, /argon2|password/i, 'no hash or password field');
  t.same(items.map((u) => u.username), [...items.map((u) => u.username as string)].sort(), 'ordered by username');
});

t.test('users: patch changes what is sent and keeps the rest', async (t) => {
  const res = await call('PATCH', '/users/wang.li', { displayName: '王丽丽', roles: ['handler', 'clerk'] });
  t.equal(res.statusCode, 200, res.body);
  t.match(json(res), { username: 'wang.li', displayName: '王丽丽', roles: ['handler', 'clerk'], departmentCode: 'mz', active: true });
  t.notMatch(res.body, /argon2/);

  const moved = await call('PATCH', '/users/wang.li', { departmentCode: 'sw' });
  t.equal(moved.statusCode, 200);
  t.match(json(moved), { displayName: '王丽丽', departmentCode: 'sw' });

  expectInvalid(t, await call('PATCH', '/users/wang.li', { departmentCode: null }), 'departmentCode', 'a handler cannot leave every department');
  expectInvalid(t, await call('PATCH', '/users/wang.li', { departmentCode: 'nowhere' }), 'departmentCode', 'unknown department');
  expectInvalid(t, await call('PATCH', '/users/wang.li', { password: 'short' }), 'password', 'short password');
  expectInvalid(t, await call('PATCH', '/users/wang.li', { username: 'renamed' }), 'username', 'username is not patchable');
  t.match(json(await call('GET', '/users')).items.find((u: { username: string }) => u.username === 'wang.li'), { departmentCode: 'sw', roles: ['handler', 'clerk'] }, 'refused patches changed nothing');

  const clerkOnly = await call('PATCH', '/users/wang.li', { roles: ['clerk'], departmentCode: null });
  t.equal(clerkOnly.statusCode, 200, 'a clerk needs no department');
  t.match(json(clerkOnly), { roles: ['clerk'], departmentCode: null });
  expectInvalid(t, await call('PATCH', '/users/wang.li', { roles: ['handler'] }), 'departmentCode', 'becoming a handler needs a department');

  const missing = await call('PATCH', '/users/nobody-at-all', { displayName: '无名' });
  t.equal(missing.statusCode, 404);
  t.equal(json(missing).code, 'NOT_FOUND');
  t.match(json(missing).message, CHINESE);
});

t.test('departments: create, duplicate, bad code, patch', async (t) => {
  const before = await count('departments');
  const res = await call('POST', '/departments', { code: 'xinzhuang', name: '新庄村', kind: 'village' });
  t.equal(res.statusCode, 201, res.body);
  t.same(json(res), { code: 'xinzhuang', name: '新庄村', kind: 'village', active: true });
  t.equal(await count('departments'), before + 1);
  t.ok(json(await call('GET', '/departments')).items.some((d: { code: string }) => d.code === 'xinzhuang'), 'listed');

  const dup = await call('POST', '/departments', { code: 'xinzhuang', name: '新庄社区', kind: 'village' });
  t.equal(dup.statusCode, 409);
  t.equal(json(dup).code, 'CONFLICT');
  t.same(json(dup).details?.map((d: { path: string }) => d.path), ['code']);

  expectInvalid(t, await call('POST', '/departments', { code: 'Xin Zhuang', name: '新庄村', kind: 'village' }), 'code', 'bad code format');
  expectInvalid(t, await call('POST', '/departments', { code: 'x'.repeat(41), name: '新庄村', kind: 'village' }), 'code', 'code too long');
  expectInvalid(t, await call('POST', '/departments', { code: 'town', name: '镇', kind: 'town' }), 'kind', 'bad kind');
  expectInvalid(t, await call('POST', '/departments', { code: 'noname', kind: 'office' }), 'name', 'missing name');
  expectInvalid(t, await call('POST', '/departments', { code: 'extra', name: '多余', kind: 'office', head: '张' }), 'head', 'unknown field');
  t.equal(await count('departments'), before + 1, 'nothing else stored');

  const renamed = await call('PATCH', '/departments/xinzhuang', { name: '新庄社区' });
  t.equal(renamed.statusCode, 200, renamed.body);
  t.same(json(renamed), { code: 'xinzhuang', name: '新庄社区', kind: 'village', active: true });
  const disabled = await call('PATCH', '/departments/xinzhuang', { active: false });
  t.same(json(disabled), { code: 'xinzhuang', name: '新庄社区', kind: 'village', active: false });
  t.match(json(await call('GET', '/departments')).items.find((d: { code: string }) => d.code === 'xinzhuang'), { name: '新庄社区', active: false });

  expectInvalid(t, await call('PATCH', '/departments/xinzhuang', { code: 'other' }), 'code', 'the code is not patchable');
  const missing = await call('PATCH', '/departments/nowhere', { name: '无' });
  t.equal(missing.statusCode, 404);
  t.equal(json(missing).code, 'NOT_FOUND');
});

const stray = {
  code: 'stray_dogs',
  name: '流浪犬管理',
  departmentCode: 'hb',
  keywords: ['流浪狗', '犬只'],
  resolveWithin: { amount: 3, unit: 'working_days' },
};

t.test('categories: create with a resolveWithin duration', async (t) => {
  const res = await call('POST', '/categories', stray);
  t.equal(res.statusCode, 201, res.body);
  t.same(json(res), { ...stray, signOffWithin: null, active: true });
  const { rows } = await ctx.db.pool.query("SELECT resolve_within, department_code FROM categories WHERE code = 'stray_dogs'");
  t.same(rows[0], { resolve_within: { amount: 3, unit: 'working_days' }, department_code: 'hb' }, 'stored');

  const dup = await call('POST', '/categories', { ...stray, name: '另一个' });
  t.equal(dup.statusCode, 409);
  t.equal(json(dup).code, 'CONFLICT');
  t.same(json(dup).details?.map((d: { path: string }) => d.path), ['code']);
});

t.test('categories: refused input names its field and stores nothing', async (t) => {
  const before = await count('categories');
  const base = { ...stray, code: 'new_cat' };
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown departmentCode', { ...base, departmentCode: 'nowhere' }, 'departmentCode'],
    ['missing departmentCode', { ...base, departmentCode: undefined }, 'departmentCode'],
    ['bad code', { ...base, code: 'New Cat' }, 'code'],
    ['bad duration unit', { ...base, resolveWithin: { amount: 3, unit: 'weeks' } }, 'resolveWithin.unit'],
    ['negative duration', { ...base, resolveWithin: { amount: -1, unit: 'days' } }, 'resolveWithin.amount'],
    ['unknown duration field', { ...base, signOffWithin: { amount: 1, unit: 'days', strict: true } }, 'signOffWithin.strict'],
    ['keyword too long', { ...base, keywords: ['关'.repeat(21)] }, 'keywords[0]'],
    ['unknown field', { ...base, colour: 'red' }, 'colour'],
  ];
  for (const [name, body, path] of cases) expectInvalid(t, await call('POST', '/categories', body), path, name);
  t.equal(await count('categories'), before);
});

t.test('categories: a keywords-only patch leaves every other field as it was', async (t) => {
  const res = await call('PATCH', '/categories/stray_dogs', { keywords: ['流浪狗', '野狗', '狗咬人'] });
  t.equal(res.statusCode, 200, res.body);
  t.same(json(res), { ...stray, keywords: ['流浪狗', '野狗', '狗咬人'], signOffWithin: null, active: true });

  const more = await call('PATCH', '/categories/stray_dogs', { signOffWithin: { amount: 4, unit: 'hours' }, active: false });
  t.same(json(more), { ...stray, keywords: ['流浪狗', '野狗', '狗咬人'], signOffWithin: { amount: 4, unit: 'hours' }, active: false });
  const cleared = await call('PATCH', '/categories/stray_dogs', { resolveWithin: null, departmentCode: 'cj' });
  t.equal(cleared.statusCode, 200, cleared.body);
  t.same(json(cleared), {
    ...stray, departmentCode: 'cj', keywords: ['流浪狗', '野狗', '狗咬人'], resolveWithin: null,
    signOffWithin: { amount: 4, unit: 'hours' }, active: false,
  }, 'an explicit null clears the duration');
  t.match(json(await call('GET', '/categories')).items.find((c: { code: string }) => c.code === 'stray_dogs'), { departmentCode: 'cj', resolveWithin: null });
});

t.test('categories: patch refuses unknown fields, departments and categories', async (t) => {
  const before = json(await call('GET', '/categories')).items.find((c: { code: string }) => c.code === 'stray_dogs');
  const res = await call('PATCH', '/categories/stray_dogs', { keywords: ['狗'], colour: 'red', code: 'renamed' });
  t.equal(res.statusCode, 400);
  t.equal(json(res).code, 'VALIDATION_FAILED');
  t.same(json(res).details.map((d: { path: string }) => d.path).sort(), ['code', 'colour'], 'both unknown fields named');
  t.match(json(res).details[0].message, CHINESE);
  expectInvalid(t, await call('PATCH', '/categories/stray_dogs', { departmentCode: 'nowhere' }), 'departmentCode', 'unknown department');
  const after = json(await call('GET', '/categories')).items.find((c: { code: string }) => c.code === 'stray_dogs');
  t.same(after, before, 'nothing changed');

  const missing = await call('PATCH', '/categories/unicorns', { keywords: ['独角兽'] });
  t.equal(missing.statusCode, 404);
  t.equal(json(missing).code, 'NOT_FOUND');
});

t.test('every admin route refuses non-admins (403) and anonymous callers (401)', async (t) => {
  const others: [string, Session][] = [
    ['clerk', await staffSession(ctx, ['clerk'])],
    ['handler', await staffSession(ctx, ['handler'], 'mz')],
    ['supervisor', await staffSession(ctx, ['supervisor'])],
    ['leader', await staffSession(ctx, ['leader'])],
    ['all but admin', await staffSession(ctx, ['clerk', 'supervisor', 'leader'])],
  ];
  const routes: [Method, string, Record<string, unknown>?][] = [
    ['GET', '/users'],
    ['POST', '/users', { username: 'intruder', password: 'intruder-password', displayName: '入侵者', roles: ['admin'] }],
    ['PATCH', `/users/${admin.username}`, { active: false }],
    ['GET', '/departments'],
    ['POST', '/departments', { code: 'intruders', name: '入侵部门', kind: 'office' }],
    ['PATCH', '/departments/mz', { name: '被改名' }],
    ['GET', '/categories'],
    ['POST', '/categories', { code: 'intruders', name: '入侵分类', departmentCode: 'mz' }],
    ['PATCH', '/categories/dibao', { keywords: [] }],
  ];
  const snapshot = async () => ({
    users: (await ctx.db.pool.query('SELECT username, display_name, roles, active FROM users ORDER BY username')).rows,
    departments: (await ctx.db.pool.query('SELECT code, name, active FROM departments ORDER BY code')).rows,
    categories: (await ctx.db.pool.query('SELECT code, name, keywords FROM categories ORDER BY code')).rows,
  });
  const before = await snapshot();

  for (const [method, url, payload] of routes) {
    for (const [role, session] of others) {
      const res = await call(method, url, payload, session);
      t.equal(res.statusCode, 403, `${role} ${method} ${url}: 403`);
      t.equal(json(res).code, 'FORBIDDEN', `${role} ${method} ${url}: FORBIDDEN`);
    }
    const anon = await call(method, url, payload, null);
    t.equal(anon.statusCode, 401, `anonymous ${method} ${url}: 401`);
    t.equal(json(anon).code, 'UNAUTHENTICATED', `anonymous ${method} ${url}: UNAUTHENTICATED`);
    if (method !== 'GET') {
      // Who may call is decided before what they sent is looked at.
      const garbage = await call(method, url, { nonsense: 1 }, null);
      t.equal(garbage.statusCode, 401, `anonymous ${method} ${url} with an invalid body: 401`);
      const clerkGarbage = await call(method, url, { nonsense: 1 }, others[0][1]);
      t.equal(clerkGarbage.statusCode, 403, `clerk ${method} ${url} with an invalid body: 403`);
    }
  }
  t.same(await snapshot(), before, 'nothing changed');

  const multi = await staffSession(ctx, ['clerk', 'admin']);
  t.equal((await call('GET', '/users', undefined, multi)).statusCode, 200, 'admin among several roles is enough');
});

t.test('API keys: created once with the secret shown, stored hashed, usable for intake, revocable', async (t) => {
  const ctx2 = await setupApp(t);
  const admin = await staffSession(ctx2, ['admin']);
  const created = await ctx2.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: '微信群接入', scopes: ['intake:api'] } });
  t.equal(created.statusCode, 201, created.body);
  const { key, prefix } = created.json();
  t.match(key, /^hy_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{20,}$/);
  // The secret is everything after `hy_<prefix>_` (it may itself contain `_`).
  const secret = key.slice(`hy_${prefix}_`.length);
  t.ok(secret.length >= 20);
  const { rows } = await ctx2.db.pool.query('SELECT key_hash FROM api_keys WHERE prefix = $1', [prefix]);
  t.equal(rows[0].key_hash.length, 32, 'a SHA-256 digest is stored');
  t.notOk(rows[0].key_hash.toString('latin1').includes(secret), 'not the secret');
  const list = await ctx2.app.inject({ method: 'GET', url: '/api/v1/admin/api-keys', headers: admin.headers });
  t.notOk(list.body.includes(secret), 'the list never shows the secret');
  const body = { channel: 'wechat_group', kind: 'help', content: '群里反映：路灯坏了好几天', wechat: { group: '东山村民群', messageId: 'wx-1' } };
  const reg = await ctx2.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { authorization: `Bearer ${key}`, 'idempotency-key': 'wx-1-key-000' }, payload: body });
  t.equal(reg.statusCode, 201, reg.body);
  const off = await ctx2.app.inject({ method: 'PATCH', url: `/api/v1/admin/api-keys/${prefix}`, headers: admin.headers, payload: { active: false } });
  t.equal(off.statusCode, 200);
  const refused = await ctx2.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { authorization: `Bearer ${key}`, 'idempotency-key': 'wx-2-key-000' }, payload: body });
  t.equal(refused.statusCode, 401, 'a disabled key is refused');
  for (const scopes of [['everything'], ['intake:wechat'], []]) {
    const bad = await ctx2.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: 'x', scopes } });
    t.equal(bad.statusCode, 400, `scopes ${JSON.stringify(scopes)} refused`);
    t.match(bad.json().details[0].path, /^scopes/, 'the field is named');
  }
  const open311 = await ctx2.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: 'FixMyStreet', scopes: ['open311'] } });
  t.equal(open311.statusCode, 201, 'the open311 scope of SPEC §10');
  const o311Key = open311.json().key;
  const noIntake = await ctx2.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { authorization: `Bearer ${o311Key}`, 'idempotency-key': 'o311-key-0001' }, payload: body });
  t.equal(noIntake.statusCode, 403, 'an open311 key cannot use the intake API');
});
