// GET /api/v1/tickets and GET /api/v1/tickets/:ticketNo (SPEC §12): every list filter against a
// fixed set of five tickets, keyset pagination, refusal of bad filters and cursors, one ticket with
// its timeline and the caller's allowed actions, and audited unmasking of the phone.
import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { json, setupApp, staffSession, type Session } from '../helpers/app.js';
import { actOk, register as registerAs, unknownTicketNo } from '../helpers/tickets.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

const CHINESE = /[\u4e00-\u9fff]/;
const ctx = await setupApp(t, {}); // clock at 2026-11-25T01:30:00Z (09:30 in Shanghai)
let clerk = await staffSession(ctx, ['clerk']);

async function register(body: Record<string, unknown>): Promise<string> {
  return registerAs(ctx, clerk, body);
}

// The fixture, newest received first: E and C share receivedAt (the registration instant), so the
// order between them rests on the id tie-breaker.
const A = await register({
  channel: 'phone', kind: 'help', content: '家里困难，想申请低保，需要什么材料？', categoryCode: 'dibao',
  complainant: { name: '张三', phone: '13812345678' }, villageCode: 'dongshan', address: '东山村3组',
  receivedAt: '2026-11-20T09:00:00+08:00',
});
const B = await register({
  channel: 'wechat_group', kind: 'complaint', content: '村口的路灯坏了一个月了，晚上看不见路', categoryCode: 'road',
  wechat: { group: '西河村民群', sender: '老王' }, receivedAt: '2026-11-22T10:00:00+08:00',
});
const D = await register({
  channel: 'letter', kind: 'report', content: '养殖场污水直排河道，气味很大', categoryCode: 'pollution',
  receivedAt: '2026-10-20T09:00:00+08:00',
});
const C = await register({ channel: 'walk_in', kind: 'consult', content: '想问问残疾证怎么办理，要带什么材料', complainant: { anonymous: true } });
const E = await register({ channel: 'web', kind: 'suggest', content: '建议在村委会门口设置公交站，方便老人出行' });
// Through the real actions: A assigned to 民政办, B accepted by 村镇建设办, D closed as resolved
// by 生态环境办 (accepted, replied, followed up satisfied); C and E stay registered.
await actOk(ctx, clerk, A, 'assign', { departmentCode: 'mz' });
await actOk(ctx, clerk, B, 'assign', { departmentCode: 'cj' });
await actOk(ctx, await staffSession(ctx, ['handler'], 'cj'), B, 'accept');
await actOk(ctx, clerk, D, 'assign', { departmentCode: 'hb' });
const envHandler = await staffSession(ctx, ['handler'], 'hb');
await actOk(ctx, envHandler, D, 'accept');
await actOk(ctx, envHandler, D, 'reply', { reply: '已责令养殖场整改，污水不再直排', result: 'resolved' });
await actOk(ctx, clerk, D, 'record_followup', { resolved: true, satisfaction: 'satisfied' });
const ALL = [E, C, B, A, D];
const NAMES = new Map(ALL.map((no, i) => [no, 'ECBAD'[i]]));

function get(url: string, session: Session = clerk): Promise<LightMyRequestResponse> {
  return ctx.app.inject({ method: 'GET', url, headers: session.headers });
}

/** The letters of the tickets a list answers, in order (unknown numbers show up as themselves). */
async function list(query: string, session: Session = clerk): Promise<string[]> {
  const res = await get(`/api/v1/tickets${query ? `?${query}` : ''}`, session);
  if (res.statusCode !== 200) throw new Error(`list ${query}: ${res.statusCode} ${res.body}`);
  return json(res).items.map((i: { ticketNo: string }) => NAMES.get(i.ticketNo) ?? i.ticketNo);
}

const q = (s: string) => encodeURIComponent(s);

t.test('without filters: all tickets, newest received first', async (t) => {
  t.same(await list(''), ['E', 'C', 'B', 'A', 'D']);
  const res = json(await get('/api/v1/tickets'));
  t.equal(res.nextCursor, null, 'one page holds them all');
  const a = res.items.find((i: { ticketNo: string }) => i.ticketNo === A);
  t.equal(a.status, 'assigned');
  t.equal(a.departmentCode, 'mz');
  t.equal(a.complainant.phone, '138****5678', 'phones masked in the list');
  t.notOk(JSON.stringify(res).includes('13812345678'), 'no full phone anywhere in the list');
});

t.test('filter by status (comma list)', async (t) => {
  t.same(await list('status=registered'), ['E', 'C']);
  t.same(await list('status=assigned'), ['A']);
  t.same(await list('status=in_progress'), ['B']);
  t.same(await list('status=registered,closed'), ['E', 'C', 'D']);
  t.same(await list('status=assigned,in_progress'), ['B', 'A']);
  t.same(await list('status=replied,merged'), []);
});

t.test('filter by departmentCode, categoryCode, kind and channel', async (t) => {
  t.same(await list('departmentCode=mz'), ['A']);
  t.same(await list('departmentCode=cj'), ['B']);
  t.same(await list('departmentCode=gd'), []);
  t.same(await list('categoryCode=road'), ['B']);
  t.same(await list('categoryCode=pollution'), ['D']);
  t.same(await list('categoryCode=power'), []);
  t.same(await list('kind=consult'), ['C']);
  t.same(await list('kind=suggest'), ['E']);
  t.same(await list('kind=emergency'), []);
  t.same(await list('channel=wechat_group'), ['B']);
  t.same(await list('channel=letter'), ['D']);
  t.same(await list('channel=phone'), ['A']);
  t.same(await list('status=registered&kind=suggest'), ['E'], 'filters combine');
  t.same(await list('departmentCode=mz&kind=consult'), []);
});

t.test('q searches the content text and the ticket number digits', async (t) => {
  t.same(await list(`q=${q('路灯')}`), ['B']);
  t.same(await list(`q=${q('材料')}`), ['C', 'A']);
  t.same(await list(`q=${q('没有这回事')}`), []);
  t.same(await list(`q=${A}`), ['A'], 'the whole number');
  t.same(await list(`q=${q(formatTicketNo(A))}`), ['A'], 'the number as printed, with dashes');
  t.same(await list(`q=${q(`${A.slice(0, 8)} ${A.slice(8, 14)} ${A.slice(14)}`)}`), ['A'], 'the number with spaces');
  t.same(await list(`q=${A.slice(8, 14)}`), ['A'], 'the random part alone');
  t.same(await list(`q=${q('%')}`), [], '% is a character, not a wildcard');
  t.same(await list(`q=${q('_')}`), [], '_ is a character, not a wildcard');
  // "我上次反映的事怎么样了": the resident's phone, its last 4 digits, or the name (SPEC §12).
  t.same(await list('q=13812345678'), ['A'], 'the whole phone');
  t.same(await list(`q=${q('138 1234 5678')}`), ['A'], 'the phone as spoken, with spaces');
  t.same(await list('q=5678'), ['A'], 'the last 4 digits of the phone');
  t.same(await list('q=0000'), [], 'last 4 digits nobody has');
  t.same(await list(`q=${q('张三')}`), ['A'], 'the complainant name');
  t.same(await list(`q=${q('张')}`), ['A'], 'part of the name');
});

t.test('from (inclusive) and to (exclusive) bound receivedAt', async (t) => {
  t.same(await list(`from=${q('2026-11-21T00:00:00+08:00')}`), ['E', 'C', 'B']);
  t.same(await list(`to=${q('2026-11-21T00:00:00+08:00')}`), ['A', 'D']);
  t.same(await list(`from=${q('2026-11-01T00:00:00+08:00')}&to=${q('2026-11-23T00:00:00+08:00')}`), ['B', 'A']);
  t.same(await list(`from=${q('2026-11-20T09:00:00+08:00')}&to=${q('2026-11-22T10:00:00+08:00')}`), ['A'], 'A at from is in, B at to is out');
  t.same(await list(`from=${q('2026-11-20T01:00:00Z')}&to=${q('2026-11-20T01:00:00.001Z')}`), ['A'], 'any offset is understood');
  t.same(await list(`from=${q('2026-12-01T00:00:00+08:00')}`), []);
});

t.test('cursor pagination walks every ticket exactly once', async (t) => {
  const walk = async (query: string, limit: number) => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await get(`/api/v1/tickets?limit=${limit}${query ? `&${query}` : ''}${cursor ? `&cursor=${q(cursor)}` : ''}`);
      t.equal(res.statusCode, 200, res.body);
      const body = json(res);
      sizes.push(body.items.length);
      seen.push(...body.items.map((i: { ticketNo: string }) => NAMES.get(i.ticketNo)));
      cursor = body.nextCursor;
      if (cursor === null) break;
      t.type(cursor, 'string');
    }
    return { seen, sizes, cursor };
  };
  const two = await walk('', 2);
  t.same(two.seen, ['E', 'C', 'B', 'A', 'D'], 'every ticket once, in order');
  t.same(two.sizes, [2, 2, 1]);
  t.equal(two.cursor, null, 'nextCursor null at the end');

  const one = await walk('', 1);
  t.same(one.seen, ['E', 'C', 'B', 'A', 'D'], 'limit=1 separates the two tickets received at the same instant');

  const exact = await walk('status=registered,assigned,in_progress', 2);
  t.same(exact.seen, ['E', 'C', 'B', 'A']);
  t.same(exact.sizes, [2, 2], 'no empty page after a full last page');

  const filtered = await walk('status=registered,closed', 2);
  t.same(filtered.seen, ['E', 'C', 'D'], 'the cursor keeps the filters');
  t.same(filtered.sizes, [2, 1]);
});

t.test('a bad cursor answers 400 naming cursor', async (t) => {
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const cursors: [string, string][] = [
    ['garbage', 'not-a-cursor!!'],
    ['no separator', b64('12345')],
    ['letters', b64('abc:def')],
    ['negative time', b64('-1:5')],
    ['time beyond any date', b64('99999999999999999999:1')],
    ['id beyond bigint', b64('1764034200000:99999999999999999999')],
    ['an extra part', b64('1764034200000:1:2')],
    ['too long', 'A'.repeat(201)],
  ];
  for (const [name, cursor] of cursors) {
    const res = await get(`/api/v1/tickets?limit=2&cursor=${q(cursor)}`);
    t.equal(res.statusCode, 400, `${name}: 400 (${res.body})`);
    t.equal(json(res).code, 'VALIDATION_FAILED', `${name}: code`);
    const detail = json(res).details?.find((d: { path: string }) => d.path === 'cursor');
    t.ok(detail, `${name}: details name cursor (got ${JSON.stringify(json(res).details)})`);
    t.match(detail?.message ?? '', CHINESE, `${name}: Chinese message`);
  }
});

t.test('bad filter values answer 400 naming the field', async (t) => {
  const cases: [string, string][] = [
    ['status=bogus', 'status'],
    ['status=registered,bogus', 'status'],
    ['departmentCode=Bad%20Code', 'departmentCode'],
    ['categoryCode=a%2Fb', 'categoryCode'],
    ['kind=praise', 'kind'],
    ['channel=fax', 'channel'],
    ['overdue=yes', 'overdue'],
    ['escalation=high', 'escalation'],
    ['q=', 'q'],
    [`q=${'字'.repeat(101)}`, 'q'],
    ['from=yesterday', 'from'],
    [`to=${q('2026-11-25T09:30:00')}`, 'to'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['sort=asc', 'sort'],
  ];
  for (const [query, field] of cases) {
    const res = await get(`/api/v1/tickets?${query}`);
    t.equal(res.statusCode, 400, `${query}: 400`);
    t.equal(json(res).code, 'VALIDATION_FAILED', `${query}: code`);
    const paths = (json(res).details ?? []).map((d: { path: string }) => d.path);
    t.ok(
      paths.some((p: string) => p === field || p.startsWith(`${field}[`)),
      `${query}: details name ${field} (got ${JSON.stringify(paths)})`,
    );
  }
});

t.test('one ticket: the staff view, its timeline and the caller\'s allowed actions', async (t) => {
  const res = await get(`/api/v1/tickets/${C}`);
  t.equal(res.statusCode, 200, res.body);
  const body = json(res);
  t.equal(body.ticketNo, C);
  t.equal(body.ticketNoFormatted, formatTicketNo(C));
  t.equal(body.status, 'registered');
  t.equal(body.statusLabel, '已登记');
  t.equal(body.content, '想问问残疾证怎么办理，要带什么材料');
  t.match(body.accessCode, /^\d{6}$/, 'staff see the access code (to reprint a receipt)');
  t.same(body.allowedActions, ['assign', 'reject', 'merge', 'comment'], 'a clerk on a registered ticket');
  t.equal(body.timeline.length, 1);
  t.match(body.timeline[0], { type: 'registered', typeLabel: '登记', public: true, at: '2026-11-25T01:30:00.000Z', actor: `测试${clerk.username}` });

  const a = json(await get(`/api/v1/tickets/${q(formatTicketNo(A))}`));
  t.equal(a.ticketNo, A, 'the number is accepted as printed');
  t.same(a.timeline.map((e: { type: string }) => e.type), ['registered', 'assigned']);
  t.same(a.allowedActions, ['merge', 'comment'], 'a clerk on an assigned ticket');

  const handler = await staffSession(ctx, ['handler'], 'mz');
  t.same(json(await get(`/api/v1/tickets/${A}`, handler)).allowedActions, ['accept', 'return', 'comment'], 'the handler of its department');
  const supervisor = await staffSession(ctx, ['supervisor']);
  t.same(json(await get(`/api/v1/tickets/${E}`, supervisor)).allowedActions, ['assign', 'reject', 'merge', 'comment', 'report_up']);
  const leader = await staffSession(ctx, ['leader']);
  t.same(json(await get(`/api/v1/tickets/${A}`, leader)).allowedActions, ['comment', 'instruct']);
  t.same(json(await get(`/api/v1/tickets/${D}`, leader)).allowedActions, ['comment'], 'no instruction on a closed ticket');
  const admin = await staffSession(ctx, ['admin']);
  t.same(json(await get(`/api/v1/tickets/${A}`, admin)).allowedActions, [], 'an admin reads but never acts');
});

t.test('one ticket: unknown number 404, wrong check digit 400', async (t) => {
  const wrongCheck = C.slice(0, 14) + String((Number(C[14]) + 1) % 10);
  const bad = await get(`/api/v1/tickets/${wrongCheck}`);
  t.equal(bad.statusCode, 400);
  t.equal(json(bad).code, 'TICKET_NO_INVALID');
  const missing = await get(`/api/v1/tickets/${await unknownTicketNo(ctx)}`);
  t.equal(missing.statusCode, 404);
  t.equal(json(missing).code, 'TICKET_NOT_FOUND');
  t.match(json(missing).message, CHINESE);
  const extra = await get(`/api/v1/tickets/${C}?expand=all`);
  t.equal(extra.statusCode, 400, 'unknown query parameter');
});

t.test('the phone is masked by default; ?unmask=true shows it and is audited', async (t) => {
  const unmaskRows = async () =>
    (await ctx.db.pool.query('SELECT actor, target, data FROM audit_log WHERE action = $1 ORDER BY id', ['unmask'])).rows;
  const before = (await unmaskRows()).length;

  const masked = json(await get(`/api/v1/tickets/${A}`));
  t.equal(masked.complainant.phone, '138****5678');
  t.equal(masked.complainant.phoneMasked, true);
  t.notOk(JSON.stringify(masked).includes('13812345678'), 'no full phone anywhere');
  t.equal(json(await get(`/api/v1/tickets/${A}?unmask=false`)).complainant.phone, '138****5678');
  t.equal((await unmaskRows()).length, before, 'reading masked writes no unmask row');

  const res = await get(`/api/v1/tickets/${A}?unmask=true`);
  t.equal(res.statusCode, 200);
  t.equal(json(res).complainant.phone, '13812345678');
  t.equal(json(res).complainant.phoneMasked, false);
  const rows = await unmaskRows();
  t.equal(rows.length, before + 1, 'one unmask row');
  t.same(rows[rows.length - 1], { actor: `user:${clerk.username}`, target: `ticket:${A}`, data: { field: 'complainant.phone' } });

  const bad = await get(`/api/v1/tickets/${A}?unmask=yes`);
  t.equal(bad.statusCode, 400);
  t.ok(json(bad).details?.some((d: { path: string }) => d.path === 'unmask'), 'details name unmask');
  t.equal((await unmaskRows()).length, before + 1, 'a refused request unmasks nothing');

  const otherHandler = await staffSession(ctx, ['handler'], 'cj');
  const hidden = await get(`/api/v1/tickets/${A}?unmask=true`, otherHandler);
  t.equal(hidden.statusCode, 404, 'another department cannot unmask');
  t.notOk(hidden.body.includes('13812345678'));
  t.equal((await unmaskRows()).length, before + 1, 'and leaves no unmask row');
});

t.test('overdue: open tickets past dueAt (moving the clock)', async (t) => {
  t.same(await list('overdue=true'), [], 'nothing overdue yet (D is past its deadline but closed)');
  t.same(await list('overdue=false'), ['E', 'C', 'B', 'A', 'D']);
  // A (低保, 5 working days from Fri 11-20) and C (consult, 2 from Wed 11-25) are both due
  // Fri 2026-11-27 23:59:59 +08.
  t.equal(json(await get(`/api/v1/tickets/${A}`)).dueAt, '2026-11-27T15:59:59.000Z');
  t.equal(json(await get(`/api/v1/tickets/${C}`)).dueAt, '2026-11-27T15:59:59.000Z');

  ctx.clock.set('2026-11-27T15:59:59.000Z');
  clerk = await staffSession(ctx, ['clerk']);
  t.same(await list('overdue=true'), [], 'not overdue at the due instant itself');

  ctx.clock.set('2026-11-28T02:00:00Z');
  clerk = await staffSession(ctx, ['clerk']);
  t.same(await list('overdue=true'), ['C', 'A']);
  t.same(await list('overdue=false'), ['E', 'B', 'D']);
  t.same(await list('overdue=true&departmentCode=mz'), ['A'], 'combines with other filters');
});
