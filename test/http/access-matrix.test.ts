// Who may call what (SPEC §1, §3 last paragraph, §12): every role on every route under /api/v1,
// written as one explicit table, plus department scoping of handlers (their list holds only their
// department's tickets; another department's ticket is "not found", shaped exactly like a number
// that does not exist) and the API-key edge cases. The table is checked against the routes the app
// really has, so a new route cannot slip in without a row.
import t from 'tap';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { json, createStaff, registrationRequest, setupApp, staffSession, type Session } from '../helpers/app.js';
import { actOk, unknownTicketNo, withoutRequestId } from '../helpers/tickets.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';
import { encryptedPush, mpVerification, newEncodingAesKey, plainPush, wecomVerification, wxXml } from '../helpers/fake-wecom.js';
import { multipart, multipartForm, pngBytes } from '../helpers/files.js';

// The WeChat / WeCom callbacks (SPEC §17) need their accounts configured to answer at all.
const WECOM = { token: 'matrixToken', aesKey: newEncodingAesKey(), receiverId: 'wwMatrixCorp' };
const MP = { token: 'matrixMpToken', aesKey: newEncodingAesKey(), receiverId: 'wxMatrixApp' };
const ctx = await setupApp(t, {
  env: {
    WECOM_CALLBACK_TOKEN: WECOM.token, WECOM_CALLBACK_AES_KEY: WECOM.aesKey, WECOM_CORP_ID: WECOM.receiverId,
    WECHAT_MP_TOKEN: MP.token, WECHAT_MP_AES_KEY: MP.aesKey, WECHAT_MP_APPID: MP.receiverId,
  },
});

const DEPT_A = 'mz'; // 民政办
const DEPT_B = 'cj'; // 村镇建设办

const CALLERS = ['clerk', 'handlerA', 'handlerB', 'supervisor', 'leader', 'admin', 'anonymous', 'apiKey', 'grid'] as const;
type Caller = (typeof CALLERS)[number];

const STAFF: Record<Exclude<Caller, 'anonymous' | 'apiKey'>, [Parameters<typeof staffSession>[1], string | null]> = {
  clerk: [['clerk'], null],
  handlerA: [['handler'], DEPT_A],
  handlerB: [['handler'], DEPT_B],
  supervisor: [['supervisor'], null],
  leader: [['leader'], null],
  admin: [['admin'], null],
  // The grid worker (SPEC §17) sees only what they registered: none of the fixtures below.
  grid: [['grid'], null],
};

async function signInAll(): Promise<Record<Caller, Record<string, string>>> {
  const headers = {} as Record<Caller, Record<string, string>>;
  for (const [caller, [roles, dept]] of Object.entries(STAFF)) {
    headers[caller as Caller] = (await staffSession(ctx, roles, dept)).headers;
  }
  headers.anonymous = {};
  headers.apiKey = { authorization: `Bearer ${await createApiKey(['intake:api'])}` };
  return headers;
}

// Keys are made the way an administrator makes them: through the admin API, shown once.
const keyAdmin = await staffSession(ctx, ['admin']);
let keyCounter = 0;
const keyPrefixes: string[] = [];
async function createApiKey(scopes: string[], active = true): Promise<string> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: keyAdmin.headers, payload: { name: `测试接口${++keyCounter}`, scopes } });
  if (res.statusCode !== 201) throw new Error(`api key: ${res.statusCode} ${res.body}`);
  const { key, prefix } = json(res) as { key: string; prefix: string };
  keyPrefixes.push(prefix);
  if (!active) {
    const off = await ctx.app.inject({ method: 'PATCH', url: `/api/v1/admin/api-keys/${prefix}`, headers: keyAdmin.headers, payload: { active: false } });
    if (off.statusCode !== 200) throw new Error(`api key off: ${off.statusCode} ${off.body}`);
  }
  return key;
}

const headers = await signInAll();
// Spare sessions for the logout row, so logging out does not end the sessions the other rows use.
const spare = await signInAll();

const clerkSession: Session = { username: '', cookie: '', csrf: '', headers: headers.clerk };
async function register(body: Record<string, unknown> = {}): Promise<string> {
  const res = await ctx.app.inject(
    registrationRequest(clerkSession, { channel: 'phone', kind: 'help', content: '家里困难，想申请低保，需要什么材料？', complainant: { phone: '13812345678' }, ...body }),
  );
  if (res.statusCode !== 201) throw new Error(`registration failed: ${res.statusCode} ${res.body}`);
  return json(res).ticketNo;
}

// A1, A2 assigned to department A and B1 to department B; U stays unassigned.
const A1 = await register();
const A2 = await register({ content: '村里的低保名单想查一下，怎么公示的' });
const B1 = await register({ content: '村口的路灯坏了一个月了，晚上看不见路' });
const U = await register({ content: '想问问残疾证怎么办理，要带什么材料' });
await actOk(ctx, headers.clerk, A1, 'assign', { departmentCode: DEPT_A });
await actOk(ctx, headers.clerk, A2, 'assign', { departmentCode: DEPT_A });
await actOk(ctx, headers.clerk, B1, 'assign', { departmentCode: DEPT_B });
// R, answered by department A, is what residents rate in the feedback row.
const R = await register({ content: '村里的低保材料交了一个月了，想问问进度' });
await actOk(ctx, headers.clerk, R, 'assign', { departmentCode: DEPT_A });
await actOk(ctx, headers.handlerA, R, 'accept');
await actOk(ctx, headers.handlerA, R, 'reply', { reply: '您的低保申请已审核通过，下月起发放。', result: 'resolved' });
const FIXTURE = new Map([[A1, 'A1'], [A2, 'A2'], [B1, 'B1'], [U, 'U'], [R, 'R']]);
// Pending WeChat messages, one per caller for the triage rows, pushed the way the platform does.
async function pendingMessages(prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < CALLERS.length; i++) {
    const p = plainPush(MP, wxXml.text({ from: 'oMatrixTriage', msgId: `${prefix}${i}`, content: `矩阵测试：待分拣消息${i}` }));
    const res = await ctx.app.inject({ method: 'POST', url: `/api/v1/intake/wechat-mp?${p.query}`, headers: { 'content-type': 'text/xml' }, payload: p.body });
    if (res.statusCode !== 200) throw new Error(`push: ${res.statusCode} ${res.body}`);
    ids.push((await ctx.db.pool.query(`SELECT id::text FROM intake_messages WHERE dedupe_key = $1`, [`msg:${prefix}${i}`])).rows[0].id);
  }
  return ids;
}
const TO_REGISTER = await pendingMessages('7710');
const TO_DISMISS = await pendingMessages('7720');

// An image on A1 (SPEC §17), for the attachment rows.
const PNG = await pngBytes();
const upload = () => multipart({ content: PNG, filename: '现场.png' });
const first = upload();
const IMG = json(await ctx.app.inject({ method: 'POST', url: `/api/v1/tickets/${A1}/attachments`, headers: { ...headers.clerk, ...first.headers }, payload: first.payload })).id as string;

function send(caller: Caller, opts: InjectOptions, from = headers): Promise<LightMyRequestResponse> {
  return ctx.app.inject({ ...opts, headers: { ...from[caller], ...(opts.headers ?? {}) } });
}

async function listAs(caller: Caller, query = ''): Promise<string[]> {
  const res = await send(caller, { method: 'GET', url: `/api/v1/tickets${query ? `?${query}` : ''}` });
  if (res.statusCode !== 200) throw new Error(`list as ${caller}: ${res.statusCode} ${res.body}`);
  return json(res).items.map((i: { ticketNo: string }) => FIXTURE.get(i.ticketNo) ?? i.ticketNo).sort();
}

t.test('handlers list only their own department', async (t) => {
  t.same(await listAs('handlerA'), ['A1', 'A2', 'R']);
  t.same(await listAs('handlerB'), ['B1']);
  t.same(await listAs('handlerA', `departmentCode=${DEPT_B}`), [], 'asking for department B returns none of its tickets');
  t.same(await listAs('handlerB', `departmentCode=${DEPT_A}`), []);
  t.same(await listAs('handlerA', `departmentCode=${DEPT_A}`), ['A1', 'A2', 'R']);
  t.same(await listAs('handlerA', 'status=registered'), [], 'an unassigned ticket belongs to no department');
  t.same(await listAs('handlerA', `q=${B1}`), [], 'searching the number of another department\'s ticket finds nothing');
  for (const caller of ['clerk', 'supervisor', 'leader', 'admin'] as const) {
    t.same(await listAs(caller), ['A1', 'A2', 'B1', 'R', 'U'], `${caller} sees every ticket`);
  }
  const both = await staffSession(ctx, ['handler', 'leader'], DEPT_A);
  const res = await ctx.app.inject({ method: 'GET', url: '/api/v1/tickets', headers: both.headers });
  t.equal(json(res).items.length, 5, 'a handler who is also a leader reads as a leader');
});

t.test('another department\'s ticket is "not found", exactly like a number that does not exist', async (t) => {
  const read = (caller: Caller, no: string) => send(caller, { method: 'GET', url: `/api/v1/tickets/${encodeURIComponent(no)}` });
  const nonexistent = await read('handlerB', await unknownTicketNo(ctx));
  t.equal(nonexistent.statusCode, 404);
  t.equal(json(nonexistent).code, 'TICKET_NOT_FOUND');
  for (const [caller, no, what] of [
    ['handlerB', A1, 'handler of B reading A\'s ticket'],
    ['handlerB', formatTicketNo(A2), 'the same, number typed with dashes'],
    ['handlerA', B1, 'handler of A reading B\'s ticket'],
    ['handlerA', U, 'a handler reading an unassigned ticket'],
  ] as const) {
    const res = await read(caller, no);
    t.equal(res.statusCode, 404, `${what}: 404`);
    t.same(withoutRequestId(res), withoutRequestId(nonexistent), `${what}: same body as a nonexistent number`);
    t.same(Object.keys(json(res)).sort(), Object.keys(json(nonexistent)).sort(), `${what}: same keys`);
  }
  t.equal((await read('handlerA', A1)).statusCode, 200, 'the own department\'s ticket is readable');

  const act = (caller: Caller, no: string) =>
    send(caller, { method: 'POST', url: `/api/v1/tickets/${no}/actions/comment`, payload: { note: '看一下', public: false } });
  const actUnknown = await act('handlerB', await unknownTicketNo(ctx));
  const actOther = await act('handlerB', A1);
  t.equal(actOther.statusCode, 404, 'acting on another department\'s ticket: 404');
  t.same(withoutRequestId(actOther), withoutRequestId(actUnknown), 'acting: same body as a nonexistent number');
  t.equal(json(actOther).code, 'TICKET_NOT_FOUND');
});

t.test('a grid worker sees only the tickets they registered (SPEC §17)', async (t) => {
  const gridSession: Session = { username: '', cookie: '', csrf: '', headers: headers.grid };
  const res = await ctx.app.inject(registrationRequest(gridSession, { channel: 'walk_in', kind: 'report', content: '网格巡查：河边有人倾倒建筑垃圾', villageCode: 'dongshan' }));
  t.equal(res.statusCode, 201, res.body);
  const G = json(res).ticketNo as string;
  FIXTURE.set(G, 'G');
  t.same(await listAs('grid'), ['G'], 'the list holds only their own');
  t.same(await listAs('grid', `q=${A1}`), [], 'searching another ticket\'s number finds nothing');
  t.equal((await send('grid', { method: 'GET', url: `/api/v1/tickets/${G}` })).statusCode, 200, 'their own ticket is readable');
  const u = multipart({ content: PNG, filename: 'g.png' });
  t.equal((await send('grid', { method: 'POST', url: `/api/v1/tickets/${G}/attachments`, headers: u.headers, payload: u.payload })).statusCode, 201, 'and takes their photos');
  t.equal((await send('grid', { method: 'GET', url: `/api/v1/attachments/${IMG}` })).statusCode, 404, 'another ticket\'s photo is not found');
  const other = await send('grid', { method: 'GET', url: `/api/v1/tickets/${A1}` });
  t.equal(other.statusCode, 404);
  t.same(withoutRequestId(other), withoutRequestId(await send('grid', { method: 'GET', url: `/api/v1/tickets/${await unknownTicketNo(ctx)}` })), 'shaped like a number that does not exist');
  t.ok((await listAs('clerk')).includes('G'), 'the clerk sees it too');

  // Other tickets are not named to a grid worker as possible duplicates either.
  const same = { channel: 'phone', kind: 'help', content: '家里困难，想申请低保，需要什么材料？', complainant: { phone: '13812345678' } };
  const twin = await ctx.app.inject(registrationRequest(gridSession, same));
  t.equal(twin.statusCode, 201);
  t.same(json(twin).duplicateCandidates, [], 'registration names no other ticket');
  const classify = (caller: Caller) => send(caller, { method: 'POST', url: '/api/v1/classify', payload: { content: same.content, phone: '13812345678' } });
  t.same(json(await classify('grid')).duplicateCandidates, [], 'nor does the classifier');
  t.ok(json(await classify('clerk')).duplicateCandidates.length > 0, 'while the clerk is warned');
});

// ─── The matrix ───────────────────────────────────────────────────────────────────────────────
// One row per route; the statuses are, in order, for:
//   clerk · handler of A · handler of B · supervisor · leader · admin · anonymous · API key (intake:api) · grid worker
// The ticket rows use A1, a ticket of department A. Admin rows create or change a distinct thing
// per caller, so every caller's request would succeed if the role check were missing.

type Expect = [number, number, number, number, number, number, number, number, number];
interface Row {
  route: string;
  expect: Expect;
  request: (caller: Caller, i: number) => InjectOptions;
  /** Which set of sessions to send with (logout ends the session it is sent with). */
  sessions?: typeof headers;
  /** The code of this route's 404 (a ticket's routes answer TICKET_NOT_FOUND). */
  notFound?: string;
}

await createStaff(ctx, ['clerk'], null, 'matrix-login');
await createStaff(ctx, ['clerk'], null, 'matrix-target');

const registration = (i: number) => ({
  channel: 'wechat_group', kind: 'complaint', content: `村里垃圾好几天没人清运了（矩阵${i}）`,
  wechat: { group: '东山村民群', sender: '老张', messageId: `wx-matrix-${i}` },
});

// Ledger imports (SPEC §15): each importer reads and commits only their own; the others' rows use the clerk's.
const ledgerFile = (i: number) =>
  multipartForm({ file: { filename: 'matrix.csv', content: Buffer.from(`工单编号,受理时间,工单类型,主要内容\r\nMX-${i},2026-11-20 09:00,求助,台账导入权限测试：村口路灯不亮\r\n`) } });
async function importAs(caller: Caller): Promise<string> {
  const body = ledgerFile(100);
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...headers[caller], ...body.headers }, payload: body.payload });
  if (res.statusCode !== 200) throw new Error(`import as ${caller}: ${res.statusCode} ${res.body}`);
  return json(res).importId;
}
const importIds: Partial<Record<Caller, string>> = { clerk: await importAs('clerk'), supervisor: await importAs('supervisor') };
const importOf = (c: Caller) => importIds[c] ?? importIds.clerk!;

const DEFAULT_SLA = (await ctx.db.pool.query('SELECT policy FROM sla_policy WHERE id = 1')).rows[0].policy;

const MATRIX: Row[] = [
  //                                                        clerk  hA   hB  sup  lead admin anon key
  { route: 'POST /api/v1/auth/login',                 expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: () => ({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'matrix-login', password: 'correct-horse-battery' } }) },
  { route: 'GET /api/v1/auth/me',                     expect: [200, 200, 200, 200, 200, 200, 401, 403, 200],
    request: () => ({ method: 'GET', url: '/api/v1/auth/me' }) },
  { route: 'POST /api/v1/auth/password',              expect: [200, 200, 200, 200, 200, 200, 401, 403, 200], sessions: spare,
    request: () => ({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: 'correct-horse-battery', newPassword: 'matrix-own-password-1' } }) },
  { route: 'POST /api/v1/auth/logout',                expect: [200, 200, 200, 200, 200, 200, 401, 403, 200], sessions: spare,
    request: () => ({ method: 'POST', url: '/api/v1/auth/logout' }) },
  { route: 'POST /api/v1/tickets',                    expect: [201, 403, 403, 201, 403, 403, 401, 201, 201],
    request: (_c, i) => ({ method: 'POST', url: '/api/v1/tickets', headers: { 'idempotency-key': `matrix-registration-${i}` }, payload: registration(i) }) },
  { route: 'GET /api/v1/tickets',                     expect: [200, 200, 200, 200, 200, 200, 401, 403, 200],
    request: () => ({ method: 'GET', url: '/api/v1/tickets' }) },
  { route: 'GET /api/v1/tickets/:ticketNo',           expect: [200, 200, 404, 200, 200, 200, 401, 403, 404],
    request: () => ({ method: 'GET', url: `/api/v1/tickets/${A1}` }) },
  { route: 'GET /api/v1/tickets/:ticketNo/notifications', expect: [200, 200, 404, 200, 200, 200, 401, 403, 404],
    request: () => ({ method: 'GET', url: `/api/v1/tickets/${A1}/notifications` }) },
  { route: 'POST /api/v1/tickets/:ticketNo/actions/:action', expect: [200, 200, 404, 200, 200, 403, 401, 403, 404],
    request: (c) => ({ method: 'POST', url: `/api/v1/tickets/${A1}/actions/comment`, payload: { note: `矩阵备注：${c}`, public: false } }) },
  { route: 'GET /api/v1/inbox',                       expect: [200, 200, 200, 200, 200, 200, 401, 403, 200],
    request: () => ({ method: 'GET', url: '/api/v1/inbox' }) },
  { route: 'GET /api/v1/supervision',                 expect: [403, 403, 403, 200, 200, 403, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/supervision' }) },
  { route: 'GET /api/v1/stats/departments',           expect: [403, 403, 403, 200, 200, 403, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/stats/departments?month=2026-11' }) },
  { route: 'GET /api/v1/stats/handlers',              expect: [403, 403, 403, 200, 200, 403, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/stats/handlers?month=2026-11&format=csv' }) },
  { route: 'GET /api/v1/supervision/screenings',      expect: [403, 403, 403, 200, 200, 403, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/supervision/screenings?month=2026-11' }) },
  { route: 'POST /api/v1/stats/freeze',               expect: [403, 403, 403, 200, 403, 403, 401, 403, 403],
    request: () => ({ method: 'POST', url: '/api/v1/stats/freeze', payload: { month: '2026-10' } }) },
  { route: 'POST /api/v1/classify',                   expect: [200, 403, 403, 200, 403, 403, 401, 403, 200],
    request: () => ({ method: 'POST', url: '/api/v1/classify', payload: { content: '村口的路灯坏了，晚上看不见' } }) },
  { route: 'GET /api/v1/public/tickets/:ticketNo',    expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: () => ({ method: 'GET', url: `/api/v1/public/tickets/${A1}?verify=5678` }) },
  { route: 'POST /api/v1/public/tickets/:ticketNo/feedback', expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: (c) => ({ method: 'POST', url: `/api/v1/public/tickets/${R}/feedback`, payload: { verify: '5678', resolved: true, satisfaction: 'satisfied', comment: `矩阵评价：${c}` } }) },
  // By the 12345 platform's number (SPEC §15): public like the lookup by ticket number; unknown here.
  { route: 'GET /api/v1/public/tickets',              expect: [404, 404, 404, 404, 404, 404, 404, 404, 404],
    request: (_c, i) => ({ method: 'GET', url: `/api/v1/public/tickets?externalNo=MATRIX-${i}&verify=5678` }) },
  // The 12345 push wants an API key with the intake:hotline scope: no session, no other scope.
  { route: 'POST /api/v1/intake/hotline',             expect: [403, 403, 403, 403, 403, 403, 401, 403, 403],
    request: (_c, i) => ({ method: 'POST', url: '/api/v1/intake/hotline', payload: { externalNo: `MATRIX-${i}`, receivedAt: '2026-11-25T09:00:00+08:00', kind: 'complaint', content: '矩阵测试：村口路灯不亮' } }) },
  { route: 'POST /api/v1/imports',                    expect: [200, 403, 403, 200, 403, 403, 401, 403, 403],
    request: (_c, i) => ({ method: 'POST', url: '/api/v1/imports', ...ledgerFile(i) }) },
  { route: 'GET /api/v1/imports/:importId',           expect: [200, 403, 403, 200, 403, 403, 401, 403, 403],
    request: (c) => ({ method: 'GET', url: `/api/v1/imports/${importOf(c)}` }) },
  { route: 'GET /api/v1/imports/:importId/errors.csv', expect: [200, 403, 403, 200, 403, 403, 401, 403, 403],
    request: (c) => ({ method: 'GET', url: `/api/v1/imports/${importOf(c)}/errors.csv` }) },
  { route: 'POST /api/v1/imports/:importId/commit',   expect: [200, 403, 403, 200, 403, 403, 401, 403, 403],
    request: (c) => ({ method: 'POST', url: `/api/v1/imports/${importOf(c)}/commit` }) },
  // WeChat / WeCom callbacks: the platform's signature is the credential; sessions and keys change nothing.
  { route: 'GET /api/v1/intake/wecom',                expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: (_c, i) => ({ method: 'GET', url: `/api/v1/intake/wecom?${wecomVerification(WECOM, `echo${i}`)}` }) },
  { route: 'POST /api/v1/intake/wecom',               expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: (_c, i) => {
      const p = encryptedPush(WECOM, wxXml.text({ from: 'matrix-user', msgId: `matrix-wecom-${i}`, content: '矩阵测试：企业微信消息' }));
      return { method: 'POST', url: `/api/v1/intake/wecom?${p.query}`, headers: { 'content-type': 'text/xml' }, payload: p.body };
    } },
  { route: 'GET /api/v1/intake/wechat-mp',            expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: (_c, i) => ({ method: 'GET', url: `/api/v1/intake/wechat-mp?${mpVerification(MP, `echo${i}`)}` }) },
  { route: 'POST /api/v1/intake/wechat-mp',           expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: (_c, i) => {
      const p = plainPush(MP, wxXml.text({ from: 'oMatrix', msgId: `${8800 + i}`, content: '矩阵测试：公众号消息' }));
      return { method: 'POST', url: `/api/v1/intake/wechat-mp?${p.query}`, headers: { 'content-type': 'text/xml' }, payload: p.body };
    } },
  { route: 'GET /api/v1/intake/messages',             expect: [200, 403, 403, 200, 403, 403, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/intake/messages?status=pending' }) },
  { route: 'POST /api/v1/intake/messages/register',   expect: [201, 403, 403, 201, 403, 403, 401, 403, 403],
    request: (_c, i) => ({ method: 'POST', url: '/api/v1/intake/messages/register', payload: { messageIds: [TO_REGISTER[i]], kind: 'help', content: `村口路灯不亮（分拣登记${i}）` } }) },
  { route: 'POST /api/v1/intake/messages/:id/dismiss', expect: [200, 403, 403, 200, 403, 403, 401, 403, 403],
    request: (_c, i) => ({ method: 'POST', url: `/api/v1/intake/messages/${TO_DISMISS[i]}/dismiss`, payload: { reason: `矩阵忽略${i}` } }) },
  { route: 'GET /api/v1/admin/users',                 expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/admin/users' }) },
  { route: 'POST /api/v1/admin/users',                expect: [403, 403, 403, 403, 403, 201, 401, 403, 403],
    request: (_c, i) => ({ method: 'POST', url: '/api/v1/admin/users', payload: { username: `matrix-new-${i}`, password: 'a-long-password', displayName: `新用户${i}`, roles: ['clerk'] } }) },
  { route: 'PATCH /api/v1/admin/users/:username',     expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: (_c, i) => ({ method: 'PATCH', url: '/api/v1/admin/users/matrix-target', payload: { displayName: `改名${i}` } }) },
  { route: 'GET /api/v1/admin/departments',           expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/admin/departments' }) },
  { route: 'POST /api/v1/admin/departments',          expect: [403, 403, 403, 403, 403, 201, 401, 403, 403],
    request: (_c, i) => ({ method: 'POST', url: '/api/v1/admin/departments', payload: { code: `matrix-${i}`, name: `矩阵部门${i}`, kind: 'office' } }) },
  { route: 'PATCH /api/v1/admin/departments/:code',   expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: (_c, i) => ({ method: 'PATCH', url: '/api/v1/admin/departments/gd', payload: { name: `供电所${i}` } }) },
  { route: 'GET /api/v1/admin/categories',            expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/admin/categories' }) },
  { route: 'POST /api/v1/admin/categories',           expect: [403, 403, 403, 403, 403, 201, 401, 403, 403],
    request: (_c, i) => ({ method: 'POST', url: '/api/v1/admin/categories', payload: { code: `matrix-${i}`, name: `矩阵分类${i}`, departmentCode: 'gd' } }) },
  { route: 'PATCH /api/v1/admin/categories/:code',    expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: (_c, i) => ({ method: 'PATCH', url: '/api/v1/admin/categories/power', payload: { keywords: ['停电', `矩阵${i}`] } }) },
  { route: 'GET /api/v1/admin/api-keys',              expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/admin/api-keys' }) },
  { route: 'POST /api/v1/admin/api-keys',             expect: [403, 403, 403, 403, 403, 201, 401, 403, 403],
    request: (_c, i) => ({ method: 'POST', url: '/api/v1/admin/api-keys', payload: { name: `矩阵接口${i}`, scopes: ['intake:api'] } }) },
  { route: 'PATCH /api/v1/admin/api-keys/:prefix',    expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: (_c, i) => ({ method: 'PATCH', url: `/api/v1/admin/api-keys/${keyPrefixes[0]}`, payload: { name: `改名接口${i}` } }) },
  { route: 'POST /api/v1/admin/notices',              expect: [403, 403, 403, 201, 403, 201, 401, 403, 403],
    request: () => ({ method: 'POST', url: '/api/v1/admin/notices', payload: { month: '2026-10' } }) },
  { route: 'GET /api/v1/notices/:month',              expect: [200, 200, 200, 200, 200, 200, 401, 403, 200],
    request: () => ({ method: 'GET', url: '/api/v1/notices/2026-10' }) },
  { route: 'POST /api/v1/notices/:month/publish',     expect: [403, 403, 403, 200, 403, 200, 401, 403, 403],
    request: () => ({ method: 'POST', url: '/api/v1/notices/2026-10/publish' }) },
  { route: 'POST /api/v1/notices/:month/hold',        expect: [403, 403, 403, 409, 403, 409, 401, 403, 403],
    request: () => ({ method: 'POST', url: '/api/v1/notices/2026-10/hold' }) },
  { route: 'GET /api/v1/public/notices',              expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: () => ({ method: 'GET', url: '/api/v1/public/notices' }) },
  { route: 'GET /api/v1/public/notices/:month',       expect: [200, 200, 200, 200, 200, 200, 200, 200, 200],
    request: () => ({ method: 'GET', url: '/api/v1/public/notices/2026-10' }) },
  // Attachments (SPEC §17): staff who can see the ticket; an unknown or hidden attachment is NOT_FOUND.
  { route: 'POST /api/v1/tickets/:ticketNo/attachments', expect: [201, 201, 404, 201, 201, 201, 401, 403, 404],
    request: () => { const u = upload(); return { method: 'POST', url: `/api/v1/tickets/${A1}/attachments`, headers: u.headers, payload: u.payload }; } },
  { route: 'GET /api/v1/tickets/:ticketNo/attachments', expect: [200, 200, 404, 200, 200, 200, 401, 403, 404],
    request: () => ({ method: 'GET', url: `/api/v1/tickets/${A1}/attachments` }) },
  { route: 'GET /api/v1/attachments/:id',             expect: [200, 200, 404, 200, 200, 200, 401, 403, 404], notFound: 'NOT_FOUND',
    request: () => ({ method: 'GET', url: `/api/v1/attachments/${IMG}` }) },
  { route: 'GET /api/v1/attachments/:id/thumb',       expect: [200, 200, 404, 200, 200, 200, 401, 403, 404], notFound: 'NOT_FOUND',
    request: () => ({ method: 'GET', url: `/api/v1/attachments/${IMG}/thumb` }) },
  { route: 'PATCH /api/v1/attachments/:id',           expect: [200, 200, 404, 200, 403, 403, 401, 403, 404], notFound: 'NOT_FOUND',
    request: (_c, i) => ({ method: 'PATCH', url: `/api/v1/attachments/${IMG}`, payload: { public: i % 2 === 0 } }) },
  // The resident's link to a public copy: its signature is the proof, whoever sends it.
  { route: 'GET /api/v1/public/attachments/:id',      expect: [404, 404, 404, 404, 404, 404, 404, 404, 404], notFound: 'NOT_FOUND',
    request: () => ({ method: 'GET', url: `/api/v1/public/attachments/${IMG}?expires=99999999999999&sig=forged` }) },
  { route: 'GET /api/v1/admin/calendar/:year',        expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/admin/calendar/2026' }) },
  { route: 'PUT /api/v1/admin/calendar/:year',        expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'PUT', url: '/api/v1/admin/calendar/2030', payload: { holidays: ['2030-01-01'], workdays: [] } }) },
  { route: 'GET /api/v1/admin/sla',                   expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/admin/sla' }) },
  { route: 'PUT /api/v1/admin/sla',                   expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'PUT', url: '/api/v1/admin/sla', payload: DEFAULT_SLA }) },
  { route: 'GET /api/v1/admin/office-hours',          expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'GET', url: '/api/v1/admin/office-hours' }) },
  { route: 'PUT /api/v1/admin/office-hours',          expect: [403, 403, 403, 403, 403, 200, 401, 403, 403],
    request: () => ({ method: 'PUT', url: '/api/v1/admin/office-hours', payload: { start: '08:30', end: '17:30' } }) },
];

const ERROR_CODE: Record<number, string> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'TICKET_NOT_FOUND' };

/** `METHOD /path` of every route under /api/v1, read from Fastify's own route tree (HEAD left out). */
function apiRoutes(): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of ctx.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = [...m[1]].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) {
      if (path.startsWith('/api/v1/')) routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}

t.test('the table has exactly one row for every route under /api/v1', async (t) => {
  const routes = apiRoutes();
  t.ok(routes.length >= 21, `routes found: ${routes.join(', ')}`);
  t.same(MATRIX.map((r) => r.route).sort(), routes);
});

t.test('every role on every route', async (t) => {
  for (const row of MATRIX) {
    for (const [i, caller] of CALLERS.entries()) {
      const res = await send(caller, row.request(caller, i), row.sessions ?? headers);
      const expected = row.expect[i];
      t.equal(res.statusCode, expected, `${row.route} as ${caller}: ${expected}${res.statusCode === expected ? '' : ` (got ${res.body.slice(0, 200)})`}`);
      const code = expected === 404 && row.notFound ? row.notFound : ERROR_CODE[expected];
      if (code) t.equal(json(res).code, code, `${row.route} as ${caller}: ${code}`);
    }
  }
});

t.test('refused calls changed nothing; allowed ones took effect', async (t) => {
  const db = ctx.db.pool;
  const byKey = await db.query(`SELECT k.name FROM tickets t JOIN api_keys k ON k.id = t.registered_via_key WHERE t.content LIKE '%矩阵%'`);
  const byUser = await db.query(`SELECT u.roles FROM tickets t JOIN users u ON u.id = t.registered_by WHERE t.content LIKE '%矩阵%' ORDER BY t.id`);
  t.same(byUser.rows.map((r) => r.roles), [['clerk'], ['supervisor'], ['grid']], 'registered by the clerk, the supervisor and the grid worker only');
  t.equal(byKey.rows.length, 1, 'and once through the API key');

  const comments = await db.query(
    `SELECT e.note FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.ticket_no = $1 AND e.type = 'commented' ORDER BY e.id`,
    [A1],
  );
  t.same(
    comments.rows.map((r) => r.note),
    ['矩阵备注：clerk', '矩阵备注：handlerA', '矩阵备注：supervisor', '矩阵备注：leader'],
    'only the allowed callers commented',
  );

  const rated = await db.query(
    `SELECT t.status, t.satisfaction, e.type, e.note, e.public FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id
      WHERE t.ticket_no = $1 AND e.type IN ('followed_up', 'commented', 'closed') ORDER BY e.id`,
    [R],
  );
  t.match(rated.rows[0], { status: 'closed', satisfaction: 'satisfied' }, 'the first rating, whoever sent it, is the follow-up');
  t.equal(rated.rows.filter((r) => r.type === 'followed_up').length, 1, 'once');
  t.same(
    rated.rows.filter((r) => r.type === 'commented').map((r) => r.note),
    CALLERS.slice(1).map((c) => `矩阵评价：${c}`),
    'later ratings are kept as comments',
  );
  const imported = await db.query(`SELECT u.roles FROM tickets t JOIN users u ON u.id = t.registered_by WHERE t.external_no LIKE 'MX-%'`);
  t.same(imported.rows.map((r) => r.roles), [['clerk']], 'the clerk committed the import; the supervisor\'s commit of the same number added nothing');
  const messages = await db.query(`SELECT source, count(*)::int AS n FROM intake_messages GROUP BY source ORDER BY source`);
  t.same(messages.rows, [{ source: 'wechat_mp', n: 9 + 18 }, { source: 'wecom', n: 9 }], 'every signed callback stored, once each');
  const triaged = await db.query(`SELECT status, count(*)::int AS n FROM intake_messages WHERE body LIKE '矩阵测试：待分拣%' AND status <> 'pending' GROUP BY status ORDER BY status`);
  t.same(triaged.rows, [{ status: 'dismissed', n: 2 }, { status: 'registered', n: 2 }], 'only the clerk and the supervisor registered and dismissed');
  const users = await db.query(`SELECT username FROM users WHERE username LIKE 'matrix-new-%'`);
  t.same(users.rows.map((r) => r.username), ['matrix-new-5'], 'only the admin created a user');
  const target = await db.query(`SELECT display_name FROM users WHERE username = 'matrix-target'`);
  t.equal(target.rows[0].display_name, '改名5', 'only the admin renamed a user');
  const depts = await db.query(`SELECT code FROM departments WHERE code LIKE 'matrix-%'`);
  t.same(depts.rows.map((r) => r.code), ['matrix-5'], 'only the admin created a department');
  const gd = await db.query(`SELECT name FROM departments WHERE code = 'gd'`);
  t.equal(gd.rows[0].name, '供电所5', 'only the admin renamed a department');
  const cats = await db.query(`SELECT code FROM categories WHERE code LIKE 'matrix-%'`);
  t.same(cats.rows.map((r) => r.code), ['matrix-5'], 'only the admin created a category');
  const power = await db.query(`SELECT keywords FROM categories WHERE code = 'power'`);
  t.same(power.rows[0].keywords, ['停电', '矩阵5'], 'only the admin changed a category');

  for (const caller of Object.keys(STAFF) as Caller[]) {
    const me = await send(caller, { method: 'GET', url: '/api/v1/auth/me' }, spare);
    t.equal(me.statusCode, 401, `${caller}: the session logged out is gone`);
  }
});

t.test('API keys: only the intake scope registers; bad or disabled keys are anonymous', async (t) => {
  const body = registration(99);
  const withKey = (key: string, idem: string) =>
    ctx.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { authorization: `Bearer ${key}`, 'idempotency-key': idem }, payload: body });

  const open311 = await withKey(await createApiKey(['open311']), 'matrix-key-open311');
  t.equal(open311.statusCode, 403, 'a key without an intake scope');
  t.equal(json(open311).code, 'FORBIDDEN');

  const disabled = await withKey(await createApiKey(['intake:api'], false), 'matrix-key-disabled');
  t.equal(disabled.statusCode, 401, 'a disabled key');
  t.equal(json(disabled).code, 'UNAUTHENTICATED');

  const good = await createApiKey(['intake:api']);
  const wrongSecret = await withKey(good.replace(/.$/, (c) => (c === 'x' ? 'y' : 'x')), 'matrix-key-wrong');
  t.equal(wrongSecret.statusCode, 401, 'the right prefix with a wrong secret');
  const unknownPrefix = await withKey('hy_zzzzzzzz_abcdefghijklmnopqrstuvwxyz', 'matrix-key-unknown');
  t.equal(unknownPrefix.statusCode, 401, 'an unknown prefix');
  const malformed = await withKey('not-a-key', 'matrix-key-malformed');
  t.equal(malformed.statusCode, 401, 'a malformed key');

  const { rows } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets WHERE content LIKE '%矩阵99%'`);
  t.equal(rows[0].n, 0, 'none of them registered anything');
  t.equal((await withKey(good, 'matrix-key-good')).statusCode, 201, 'while the good key does');
});

t.test('the caller is refused before the request is validated', async (t) => {
  const cases: [string, Caller, InjectOptions, number][] = [
    ['anonymous registration with an empty body', 'anonymous', { method: 'POST', url: '/api/v1/tickets', payload: {} }, 401],
    ['handler registration with an invalid body', 'handlerA', { method: 'POST', url: '/api/v1/tickets', payload: { kind: 'x' } }, 403],
    ['anonymous list with a bad filter', 'anonymous', { method: 'GET', url: '/api/v1/tickets?kind=praise' }, 401],
    ['API key on the list with a bad filter', 'apiKey', { method: 'GET', url: '/api/v1/tickets?limit=0' }, 403],
    ['anonymous read with a bad query', 'anonymous', { method: 'GET', url: `/api/v1/tickets/${A1}?unmask=yes` }, 401],
    ['anonymous action with an unknown action', 'anonymous', { method: 'POST', url: `/api/v1/tickets/${A1}/actions/destroy`, payload: {} }, 401],
    ['API key action with an unknown action', 'apiKey', { method: 'POST', url: `/api/v1/tickets/${A1}/actions/destroy`, payload: {} }, 403],
    ['anonymous user creation with an empty body', 'anonymous', { method: 'POST', url: '/api/v1/admin/users', payload: {} }, 401],
    ['clerk department creation with an invalid body', 'clerk', { method: 'POST', url: '/api/v1/admin/departments', payload: { code: 'Bad Code' } }, 403],
    ['leader category change with an invalid body', 'leader', { method: 'PATCH', url: '/api/v1/admin/categories/power', payload: { nope: 1 } }, 403],
  ];
  for (const [what, caller, opts, status] of cases) {
    const res = await send(caller, opts);
    t.equal(res.statusCode, status, `${what}: ${status} (got ${res.body.slice(0, 160)})`);
    t.equal(json(res).code, ERROR_CODE[status], `${what}: ${ERROR_CODE[status]}`);
  }
});

t.test('a staff state change without the CSRF token is refused before anything else', async (t) => {
  const { 'x-csrf-token': _csrf, ...cookieOnly } = headers.clerk;
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: { ...cookieOnly, 'idempotency-key': 'matrix-csrf-0001' }, payload: {} });
  t.equal(res.statusCode, 403);
  t.equal(json(res).code, 'CSRF_FAILED');
});

// SPEC §18: who may take each new action, on a ticket of department A (co-handled by B where it
// matters) prepared for it; every permitted caller acts on a fresh one, so each cell is its own.
t.test('SPEC §18 actions: every staff role, own and other department', async (t) => {
  type Staff = Exclude<Caller, 'anonymous' | 'apiKey'>;
  const STAFF_CALLERS: Staff[] = ['clerk', 'handlerA', 'handlerB', 'supervisor', 'leader', 'admin'];
  const prepare = async (steps: [Staff, string, object][], co = false): Promise<string> => {
    const no = await register({ content: `矩阵：村里路面塌陷需要处理（${Math.random()}）` });
    await actOk(ctx, headers.clerk, no, 'assign', { departmentCode: DEPT_A, ...(co ? { coDepartmentCodes: [DEPT_B] } : {}) });
    for (const [who, action, body] of steps) await actOk(ctx, headers[who], no, action, body);
    return no;
  };
  const accepted: [Staff, string, object][] = [['handlerA', 'accept', {}]];
  const ROWS: { action: string; body: object; steps: [Staff, string, object][]; co?: boolean; expect: number[] }[] = [
    //                                                                                 clerk  hA   hB   sup  lead admin
    { action: 'request_pause', body: { reason: '等待鉴定' }, steps: accepted, expect: [403, 200, 404, 403, 403, 403] },
    { action: 'decide_pause', body: { approve: true }, steps: [...accepted, ['handlerA', 'request_pause', { reason: '等待鉴定' }]], expect: [403, 403, 404, 200, 403, 403] },
    { action: 'resume', body: {}, steps: [...accepted, ['handlerA', 'request_pause', { reason: '等待鉴定' }], ['supervisor', 'decide_pause', { approve: true }]], expect: [403, 200, 404, 200, 403, 403] },
    { action: 'request_screening', body: { category: 'repeated', reason: '重复反映' }, steps: accepted, expect: [403, 200, 404, 403, 403, 403] },
    { action: 'decide_screening', body: { approve: true }, steps: [...accepted, ['handlerA', 'request_screening', { category: 'repeated', reason: '重复反映' }]], expect: [403, 403, 404, 200, 403, 403] },
    { action: 'report_up', body: { reason: '超出乡镇职权' }, steps: [], expect: [403, 403, 404, 200, 403, 403] },
    // Department B co-handles: it sees the ticket, answers its part; only a supervisor waives.
    { action: 'submit_cohandling', body: { note: '协办意见' }, steps: [['handlerB', 'accept', {}]], co: true, expect: [403, 403, 200, 403, 403, 403] },
    { action: 'waive_cohandling', body: { departmentCode: DEPT_B, reason: '无需协办' }, steps: [], co: true, expect: [403, 403, 403, 200, 403, 403] },
  ];
  for (const row of ROWS) {
    const got: number[] = [];
    for (const caller of STAFF_CALLERS) {
      const no = await prepare(row.steps, row.co);
      const res = await send(caller, { method: 'POST', url: `/api/v1/tickets/${no}/actions/${row.action}`, payload: row.body });
      got.push(res.statusCode);
    }
    t.same(got, row.expect, row.action);
  }
});
