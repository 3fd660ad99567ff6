// GET /api/v1/public/tickets/:ticketNo?verify= (SPEC §5): what a resident may see, the identical
// "not found" for an unknown number and a wrong verification, check-digit refusal before any
// lookup, the per-number lockout (on the injected clock) and the per-IP rate limit.
import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { json, registrationRequest, setupApp, staffSession, type Session, type TestContext } from '../helpers/app.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';
import { actOk, unknownTicketNo, withoutRequestId } from '../helpers/tickets.js';

const MINUTE = 60 * 1000;
const CHINESE = /[\u4e00-\u9fff]/;

// The per-IP limit has its own app below; here it is raised so that the 135 single-digit errors and
// the lockout sequences are not cut short by it.
const ctx = await setupApp(t, { env: { PUBLIC_LOOKUP_RATE_LIMIT: '100000' } });

const sessions = new Map<TestContext, { session: Session; at: number }>();
/** A clerk session, signed in again when the moved clock has let the last one idle out. */
async function clerkOf(c: TestContext): Promise<Session> {
  const known = sessions.get(c);
  if (known && c.clock.now().getTime() - known.at < 20 * MINUTE) return known.session;
  const session = await staffSession(c, ['clerk']);
  sessions.set(c, { session, at: c.clock.now().getTime() });
  return session;
}

const withPhone = {
  channel: 'phone',
  kind: 'help',
  content: '家里困难，想申请低保，需要准备哪些材料？',
  complainant: { name: '李秀英', phone: '13812345678', anonymous: false },
  villageCode: 'dongshan',
  address: '东山村三组十七号',
  categoryCode: 'dibao',
};

const withoutPhone = {
  channel: 'walk_in',
  kind: 'consult',
  content: '想问问残疾证到哪里办理，需要带什么',
  complainant: { anonymous: true },
  categoryCode: 'disability',
};

async function register(body: Record<string, unknown>, c: TestContext = ctx): Promise<{ ticketNo: string; accessCode: string | null }> {
  const res = await c.app.inject(registrationRequest(await clerkOf(c), body));
  if (res.statusCode !== 201) throw new Error(`registration failed: ${res.statusCode} ${res.body}`);
  return json(res);
}

function lookup(ticketNo: string, verify?: string, opts: { c?: TestContext; ip?: string; extra?: string } = {}): Promise<LightMyRequestResponse> {
  const query = [verify === undefined ? null : `verify=${encodeURIComponent(verify)}`, opts.extra ?? null].filter(Boolean).join('&');
  return (opts.c ?? ctx).app.inject({
    method: 'GET',
    url: `/api/v1/public/tickets/${encodeURIComponent(ticketNo)}${query ? `?${query}` : ''}`,
    ...(opts.ip ? { remoteAddress: opts.ip } : {}),
  });
}

async function failureCount(): Promise<number> {
  const { rows } = await ctx.db.pool.query('SELECT count(*)::int AS n FROM lookup_failures');
  return rows[0].n;
}

t.test('found with the last 4 digits of the phone: the public view and nothing personal', async (t) => {
  const ticket = await register(withPhone);
  const clerk = await clerkOf(ctx);
  await actOk(ctx, clerk, ticket.ticketNo, 'assign', { departmentCode: 'mz' });
  await actOk(ctx, clerk, ticket.ticketNo, 'comment', { note: '内部备注：申请人家中有欠款纠纷，注意核实', public: false });
  await actOk(ctx, clerk, ticket.ticketNo, 'comment', { note: '已电话告知所需材料清单', public: true });

  const res = await lookup(ticket.ticketNo, '5678');
  t.equal(res.statusCode, 200, res.body);
  const body = json(res);
  t.equal(body.ticketNo, formatTicketNo(ticket.ticketNo), 'number shown grouped');
  t.equal(body.status, 'assigned');
  t.equal(body.statusLabel, '已转办（待签收）');
  t.equal(body.kind, 'help');
  t.equal(body.kindLabel, '求助');
  t.equal(body.category, '低保特困救助', 'category name, not code');
  t.equal(body.department, '民政办', 'department name, not code');
  t.equal(body.receivedAt, '2026-11-25T01:30:00.000Z');
  // 低保: 5 working days from Wed 2026-11-25 → Wed 2026-12-02 23:59:59 +08.
  t.equal(body.dueAt, '2026-12-02T15:59:59.000Z');
  t.equal(body.reply, null, 'no reply before the ticket is replied');
  t.same(
    body.timeline.map((e: { type: string; note: string | null }) => [e.type, e.note]),
    [
      ['registered', null],
      ['assigned', null],
      ['commented', '已电话告知所需材料清单'],
    ],
    'only public events, in order',
  );
  t.equal(body.timeline[0].label, '登记', 'events carry their Chinese label');

  const text = JSON.stringify(body);
  const secrets: [string, string][] = [
    ['name', '李秀英'],
    ['phone', '13812345678'],
    ['masked phone', '138****5678'],
    ['address', '东山村三组十七号'],
    ['internal note', '欠款纠纷'],
    ['internal note of a public event', '下周再打一次电话'],
  ];
  for (const [what, value] of secrets) t.notOk(text.includes(value), `no ${what} in the public view`);
  // Not even an excerpt of the content: no six consecutive characters of it.
  const excerpts = [...withPhone.content].map((_c, i, all) => all.slice(i, i + 6).join('')).filter((w) => w.length === 6);
  t.same(excerpts.filter((w) => text.includes(w)), [], 'no excerpt of the content');
  for (const key of ['complainant', 'phone', 'address', 'content', 'accessCode', 'villageCode', 'wechat', 'internalNote']) {
    t.notOk(text.includes(`"${key}"`), `no ${key} field`);
  }

  // A public event with an internal note in its data: the department accepts with one.
  await actOk(ctx, await staffSession(ctx, ['handler'], 'mz'), ticket.ticketNo, 'accept', { note: '内部：下周再打一次电话' });
  const accepted = json(await lookup(ticket.ticketNo, '5678'));
  t.ok(accepted.timeline.some((e: { type: string; note: string | null }) => e.type === 'accepted' && e.note === null), 'the accepted event is public, without a note');
  const acceptedText = JSON.stringify(accepted);
  for (const [what, value] of secrets) t.notOk(acceptedText.includes(value), `no ${what} in the public view after accepting`);
  t.notOk(acceptedText.includes('"internalNote"'), 'no internalNote field after accepting');
});

t.test('found with the 6-digit access code when no phone was registered', async (t) => {
  const ticket = await register(withoutPhone);
  t.match(ticket.accessCode, /^\d{6}$/);
  const res = await lookup(ticket.ticketNo, ticket.accessCode!);
  t.equal(res.statusCode, 200, res.body);
  const body = json(res);
  t.equal(body.status, 'registered');
  t.equal(body.statusLabel, '已登记');
  t.equal(body.kindLabel, '咨询');
  t.equal(body.category, '残疾人服务');
  t.equal(body.department, null, 'no department before assignment');
  // The access code may only be compared outside the number, where six random digits could recur.
  const { ticketNo: _no, ...rest } = body;
  t.notOk(JSON.stringify(rest).includes(ticket.accessCode!), 'the access code is not echoed');
  t.notOk(JSON.stringify(body).includes(withoutPhone.content), 'no content');

  const last4 = await lookup(ticket.ticketNo, ticket.accessCode!.slice(2));
  t.equal(last4.statusCode, 404, 'four digits never match a ticket without a phone');
});

t.test('the number is accepted with spaces or dashes', async (t) => {
  const ticket = await register(withPhone);
  const no = ticket.ticketNo;
  const spellings = [
    formatTicketNo(no),
    `${no.slice(0, 8)} ${no.slice(8, 14)} ${no.slice(14)}`,
    `${no.slice(0, 4)}-${no.slice(4, 8)} ${no.slice(8, 11)} ${no.slice(11)}`,
    ` ${no} `,
  ];
  for (const spelling of spellings) {
    const res = await lookup(spelling, '5678');
    t.equal(res.statusCode, 200, `${JSON.stringify(spelling)}: ${res.body}`);
    t.equal(json(res).ticketNo, formatTicketNo(no));
  }
});

t.test('an unknown number and a wrong verification answer exactly the same', async (t) => {
  const ticket = await register(withPhone);
  const wrong = await lookup(ticket.ticketNo, '0000');
  const unknown = await lookup(await unknownTicketNo(ctx), '5678');
  t.equal(wrong.statusCode, 404);
  t.equal(unknown.statusCode, 404);
  t.equal(json(wrong).code, 'TICKET_NOT_FOUND');
  t.match(json(wrong).message, CHINESE);
  t.ok(json(wrong).requestId);
  t.same(withoutRequestId(wrong), withoutRequestId(unknown), 'same body apart from requestId');
  t.same(Object.keys(json(wrong)).sort(), Object.keys(json(unknown)).sort());

  const wrongCode = await lookup(ticket.ticketNo, '123456');
  t.equal(wrongCode.statusCode, 404, 'an access code against a ticket with a phone fails the same way');
  t.same(withoutRequestId(wrongCode), withoutRequestId(unknown));
});

t.test('a wrong check digit answers 400 TICKET_NO_INVALID', async (t) => {
  const ticket = await register(withPhone);
  const no = ticket.ticketNo;
  const badCheck = no.slice(0, 14) + String((Number(no[14]) + 1) % 10);
  const res = await lookup(badCheck, '5678');
  t.equal(res.statusCode, 400);
  t.equal(json(res).code, 'TICKET_NO_INVALID');
  t.match(json(res).message, CHINESE);
  t.ok(json(res).details?.some((d: { path: string }) => d.path === 'ticketNo'), 'details name ticketNo');

  for (const bad of ['12345', '2026112548392', '20261125abcdef7', `${no}0`]) {
    const r = await lookup(bad, '5678');
    t.equal(r.statusCode, 400, `${bad}: 400`);
    t.equal(json(r).code, 'TICKET_NO_INVALID', `${bad}: TICKET_NO_INVALID`);
  }
});

t.test('every single-digit error and every adjacent swap of a real number is refused before any lookup', async (t) => {
  const ticket = await register(withPhone);
  const no = ticket.ticketNo;
  const variants = new Set<string>();
  for (let i = 0; i < no.length; i++) {
    for (let d = 0; d <= 9; d++) {
      if (String(d) !== no[i]) variants.add(no.slice(0, i) + String(d) + no.slice(i + 1));
    }
    if (i + 1 < no.length && no[i] !== no[i + 1]) variants.add(no.slice(0, i) + no[i + 1] + no[i] + no.slice(i + 2));
  }
  t.ok(variants.size >= 135, `${variants.size} variants`);
  const before = await failureCount();
  const refused: string[] = [];
  for (const variant of variants) {
    const res = await lookup(variant, '5678');
    if (res.statusCode !== 400 || json(res).code !== 'TICKET_NO_INVALID') refused.push(`${variant} → ${res.statusCode}`);
  }
  t.same(refused, [], 'all answered 400 TICKET_NO_INVALID');
  t.equal(await failureCount(), before, 'none of them counted as a failed lookup');
  t.equal((await lookup(no, '5678')).statusCode, 200, 'the real number is not locked by them');
});

t.test('a verification of the wrong format is refused with 400', async (t) => {
  const ticket = await register(withPhone);
  const before = await failureCount();
  for (const verify of ['', '567', '56789', '12345', '1234567', 'abcd', '５６７８', '56 78']) {
    const res = await lookup(ticket.ticketNo, verify);
    t.equal(res.statusCode, 400, `${JSON.stringify(verify)}: 400`);
    t.equal(json(res).code, 'VALIDATION_FAILED', `${JSON.stringify(verify)}: code`);
    const detail = json(res).details?.find((d: { path: string }) => d.path === 'verify');
    t.ok(detail, `${JSON.stringify(verify)}: details name verify (got ${JSON.stringify(json(res).details)})`);
    t.match(detail?.message ?? '', CHINESE, `${JSON.stringify(verify)}: Chinese message`);
  }
  const missing = await lookup(ticket.ticketNo);
  t.equal(missing.statusCode, 400, 'missing verify: 400');
  t.ok(json(missing).details?.some((d: { path: string }) => d.path === 'verify'), 'missing verify is named');
  const extra = await lookup(ticket.ticketNo, '5678', { extra: 'name=x' });
  t.equal(extra.statusCode, 400, 'unknown query parameter: 400');
  t.equal(await failureCount(), before, 'malformed requests are not counted as failed lookups');
});

t.test('5 failures within 15 minutes lock the number for an hour', async (t) => {
  const ticket = await register(withPhone);
  const start = ctx.clock.now().getTime();
  for (let i = 1; i <= 5; i++) {
    ctx.clock.advance(2 * MINUTE);
    const res = await lookup(ticket.ticketNo, '0000');
    t.equal(res.statusCode, 404, `failure ${i}: still answered as not found`);
  }
  const lockedAt = ctx.clock.now().getTime();
  t.ok(lockedAt - start < 15 * MINUTE);

  const sixth = await lookup(ticket.ticketNo, '5678');
  t.equal(sixth.statusCode, 429, 'the 6th attempt is locked even with the right verification');
  t.equal(json(sixth).code, 'LOOKUP_LOCKED');
  t.equal(json(sixth).error, 'Too Many Requests');
  t.match(json(sixth).message, CHINESE);
  t.notOk(JSON.stringify(json(sixth)).includes('已登记'), 'a locked answer shows nothing of the ticket');

  ctx.clock.set(new Date(lockedAt + 59 * MINUTE));
  const at59 = await lookup(ticket.ticketNo, '5678');
  t.equal(at59.statusCode, 429, 'still locked after 59 minutes');
  t.equal(json(at59).code, 'LOOKUP_LOCKED');

  ctx.clock.set(new Date(lockedAt + 61 * MINUTE));
  const at61 = await lookup(ticket.ticketNo, '5678');
  t.equal(at61.statusCode, 200, 'open again after 61 minutes');
  t.equal(json(at61).ticketNo, formatTicketNo(ticket.ticketNo));

  const other = await register(withPhone);
  t.equal((await lookup(other.ticketNo, '5678')).statusCode, 200, 'the lock is per number');
});

t.test('an unknown number locks the same way (no existence leak)', async (t) => {
  const unknown = await unknownTicketNo(ctx);
  const real = await register(withPhone);
  for (let i = 1; i <= 5; i++) {
    const u = await lookup(unknown, '5678');
    const r = await lookup(real.ticketNo, '0000');
    t.equal(u.statusCode, 404, `unknown, failure ${i}`);
    t.same(withoutRequestId(u), withoutRequestId(r), `failure ${i}: same body for both`);
  }
  const u6 = await lookup(unknown, '5678');
  const r6 = await lookup(real.ticketNo, '5678');
  t.equal(u6.statusCode, 429);
  t.equal(r6.statusCode, 429);
  t.same(withoutRequestId(u6), withoutRequestId(r6), 'the same lock answer for both');
  t.equal(json(u6).code, 'LOOKUP_LOCKED');
  ctx.clock.advance(61 * MINUTE);
});

t.test('failures spread over more than 15 minutes do not lock', async (t) => {
  const ticket = await register(withPhone);
  for (let i = 1; i <= 8; i++) {
    const res = await lookup(ticket.ticketNo, '0000');
    t.equal(res.statusCode, 404, `failure ${i}: 404, never locked`);
    ctx.clock.advance(4 * MINUTE);
  }
  // Eight failures in 28 minutes, never more than four in any 15-minute window.
  const res = await lookup(ticket.ticketNo, '5678');
  t.equal(res.statusCode, 200, res.body);
  const { rows } = await ctx.db.pool.query('SELECT 1 FROM lookup_locks WHERE ticket_no = $1', [ticket.ticketNo]);
  t.equal(rows.length, 0, 'no lock stored');
});

t.test('each client IP is rate-limited (429 RATE_LIMITED), other IPs go on', async (t) => {
  const limited = await setupApp(t, { env: { PUBLIC_LOOKUP_RATE_LIMIT: '5' } });
  const ticket = await register(withPhone, limited);
  const ip = '203.0.113.7';
  for (let i = 1; i <= 5; i++) {
    const res = await lookup(ticket.ticketNo, '5678', { c: limited, ip });
    t.equal(res.statusCode, 200, `request ${i} from one IP: 200`);
  }
  const sixth = await lookup(ticket.ticketNo, '5678', { c: limited, ip });
  t.equal(sixth.statusCode, 429, 'the 6th request within a minute is limited');
  const body = json(sixth);
  t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'requestId', 'statusCode'], 'SPEC §12 error format');
  t.equal(body.statusCode, 429);
  t.equal(body.code, 'RATE_LIMITED');
  t.equal(body.error, 'Too Many Requests');
  t.match(body.message, CHINESE, 'message in Chinese');
  t.match(body.message, /请\d+秒后再试/, 'the message says when to come back');
  t.type(body.requestId, 'string');
  t.ok(Number(sixth.headers['retry-after']) > 0, 'Retry-After tells when to come back');

  const counters = await limited.app.redis!.keys(`${limited.db.name}:hy-rl:*${ip}`);
  t.equal(counters.length, 1, 'counted in Redis, where every API replica shares the count');

  const otherIp = await lookup(ticket.ticketNo, '5678', { c: limited, ip: '203.0.113.8' });
  t.equal(otherIp.statusCode, 200, 'another IP still gets through');

  const staff = await limited.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: (await clerkOf(limited)).headers, remoteAddress: ip });
  t.equal(staff.statusCode, 200, 'the limit is on public lookups only');

  const { rows } = await limited.db.pool.query('SELECT count(*)::int AS n FROM lookup_failures');
  t.equal(rows[0].n, 0, 'rate-limited requests are not counted as failed verifications');
});
