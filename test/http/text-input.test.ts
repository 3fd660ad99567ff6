// The one text normalisation at the HTTP edge (src/http/plugins/text-input.ts): control characters
// and lone surrogates in any JSON field, query string, path parameter or header the app reads are a
// 400 naming the field; page forms lose their control characters silently; malformed
// percent-encoding is a 400 everywhere. None of it reaches PostgreSQL (which refuses NUL).
import t from 'tap';
import { json, registrationRequest, setupApp, staffSession, type Session } from '../helpers/app.js';

const ctx = await setupApp(t);
const clerk = await staffSession(ctx, ['clerk']);
const admin = await staffSession(ctx, ['admin']);

const post = (url: string, payload: unknown, session: Session | null = null, headers: Record<string, string> = {}) =>
  ctx.app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...(session?.headers ?? {}), ...headers } });
const get = (url: string, session: Session | null = null) => ctx.app.inject({ method: 'GET', url, headers: session?.headers ?? {} });
const refused = (details: { path: string; message: string }[]) => ({ statusCode: 400, code: 'VALIDATION_FAILED', error: 'Bad Request', message: '提交的内容有误，请按提示修改', details, requestId: String });

t.test('the login repro: NUL and a lone surrogate are 400, not 500, and nothing is stored', async (t) => {
  let res = await post('/api/v1/auth/login', { username: 'a\u0000b', password: 'x' });
  t.equal(res.statusCode, 400);
  t.match(json(res), refused([{ path: 'username', message: '包含不允许的控制字符' }]));
  res = await post('/api/v1/auth/login', { username: 'ab\ud800cd', password: 'x' });
  t.equal(res.statusCode, 400);
  t.match(json(res), refused([{ path: 'username', message: '包含无效的字符编码' }]));
  const audit = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'login_failed'`);
  t.equal(audit.rows[0].n, 0, 'no failed login recorded for a refused body (the audit chain never sees U+FFFD)');
});

t.test('every field at any depth, named by its path; \\t \\n \\r and other marks are text', async (t) => {
  const base = { channel: 'phone', kind: 'help', content: '村口的路灯坏了很久' };
  let res = await ctx.app.inject(registrationRequest(clerk, { ...base, complainant: { name: '张\u0007三' }, wechat: { group: '\u0085群' } }));
  t.equal(res.statusCode, 400);
  t.match(json(res).details, [{ path: 'complainant.name', message: '包含不允许的控制字符' }, { path: 'wechat.group', message: '包含不允许的控制字符' }]);
  res = await post('/api/v1/admin/categories', { code: 'x1', name: '路灯', departmentCode: 'cj', keywords: ['灯', '\udc00'] }, admin);
  t.match(json(res), refused([{ path: 'keywords[1]', message: '包含无效的字符编码' }]));
  res = await post('/api/v1/auth/login', '{"us\\u0000er":"a","password":"x"}');
  t.match(json(res), refused([{ path: 'us\\u0000er', message: '字段名包含不允许的控制字符' }]));
  res = await ctx.app.inject(registrationRequest(clerk, { ...base, content: '路灯坏了\t很久\r\n\u202e\u200b😀 请尽快修理' }));
  t.equal(res.statusCode, 201, 'tab, CR, LF, bidi and zero-width marks and emoji are text');
});

t.test('prototype keys, deep nesting and wrong JSON are 400 in the SPEC §12 form', async (t) => {
  let res = await post('/api/v1/auth/login', '{"__proto__":{"admin":true},"username":"a","password":"b"}');
  t.equal(res.statusCode, 400);
  t.match(json(res), { code: 'VALIDATION_FAILED', requestId: String });
  res = await post('/api/v1/auth/login', '{"constructor":{"prototype":{"admin":true}}}');
  t.equal(res.statusCode, 400);
  res = await post('/api/v1/auth/login', { username: 'a', password: 'b', constructor: 'x', prototype: 'y' });
  t.match(json(res), { statusCode: 400, details: [{ path: 'constructor' }, { path: 'prototype' }] });
  let deep: unknown = 'x';
  for (let i = 0; i < 1000; i++) deep = [deep];
  res = await post('/api/v1/auth/login', { username: deep, password: 'x' });
  t.equal(res.statusCode, 400);
  t.match(json(res).details[0].message, '嵌套层级过深');
});

t.test('query strings and path parameters: controls and malformed percent-encoding are 400', async (t) => {
  let res = await get('/api/v1/tickets?q=a%00b', clerk);
  t.match(json(res), refused([{ path: 'q', message: '包含不允许的控制字符' }]));
  for (const bad of ['%', '%E0%A4%A', '%ED%A0%80', '%C0%80']) {
    res = await get(`/api/v1/tickets?q=${bad}`, clerk);
    t.equal(res.statusCode, 400, bad);
    t.match(json(res).details, [{ path: 'q', message: /URL 编码/ }], bad);
  }
  res = await get('/api/v1/public/tickets/2026%00?verify=1234');
  t.match(json(res), refused([{ path: 'ticketNo', message: '包含不允许的控制字符' }]));
  for (const url of ['/api/v1/public/tickets/%ED%A0%80?verify=1234', '/notices/%', '/staff/tickets/%E0%A4%A']) {
    res = await get(url);
    t.equal(res.statusCode, 400, url);
    t.match(json(res), { statusCode: 400, code: 'VALIDATION_FAILED', message: '请求地址包含无效的编码', requestId: String }, url);
  }
});

t.test('headers the app reads: Idempotency-Key, X-CSRF-Token, Authorization', async (t) => {
  let res = await ctx.app.inject({ ...registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '村口的路灯坏了很久' }, 'key-\u0000-12345') });
  t.match(json(res), refused([{ path: 'Idempotency-Key', message: '包含不允许的控制字符' }]));
  res = await ctx.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: 'Bearer hy_\u0085' } });
  t.match(json(res), refused([{ path: 'Authorization', message: '包含不允许的控制字符' }]));
});

t.test('page forms: control characters are removed, malformed encoding is the page’s 400', async (t) => {
  const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'phone', kind: 'help', content: '村口的路灯坏了很久' }));
  const no = json(res).ticketNo as string;
  const form = (body: string) =>
    ctx.app.inject({
      method: 'POST', url: `/staff/tickets/${no}/actions/comment`, payload: `${body}&_csrf=${clerk.csrf}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `hy_session=${clerk.cookie}` },
    });
  let page = await form(`note=${encodeURIComponent('已电话\u000b联系\u0000群众\u0085，\t说明情况')}`);
  t.equal(page.statusCode, 303, 'a pasted vertical tab or NUL is no reason to refuse the form');
  const ticket = json(await get(`/api/v1/tickets/${no}`, clerk));
  t.ok(ticket.timeline.some((e: { note?: string }) => e.note === '已电话联系群众，\t说明情况'), 'stored without the control characters');
  for (const bad of ['note=%ED%A0%80', 'note=%E0%A4%A', 'note=100%']) {
    page = await form(bad);
    t.equal(page.statusCode, 400, bad);
    t.match(page.headers['content-type'], 'text/html', `${bad}: the page's own error page`);
    t.match(page.body, '包含无效的 URL 编码');
  }
  const list = await ctx.app.inject({ method: 'GET', url: '/staff/tickets?q=%E8%B7%AF%0B%E7%81%AF', headers: { cookie: `hy_session=${clerk.cookie}` } });
  t.equal(list.statusCode, 200, 'a GET form (the list filter) is cleaned the same way');
  t.match(list.body, 'value="路灯"');
});
