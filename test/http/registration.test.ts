// POST /api/v1/tickets (SPEC §4): validation with field details, idempotency, deadlines, access
// codes, suggestions and duplicate candidates, against a real Postgres.
import t from 'tap';
import { json, registrationRequest, setupApp, staffSession } from '../helpers/app.js';
import { parseTicketNo } from '../../src/domain/ticket-number.js';

const ctx = await setupApp(t, {});
const clerk = await staffSession(ctx, ['clerk']);

const valid = {
  channel: 'phone',
  kind: 'help',
  content: '家里困难，想申请低保，需要什么材料？',
  complainant: { name: '张三', phone: '13812345678', anonymous: false },
  confidential: false,
  villageCode: 'dongshan',
  address: '东山村3组',
  categoryCode: 'dibao',
  receivedAt: '2026-11-25T09:30:00+08:00',
};

async function countTickets(): Promise<number> {
  const { rows } = await ctx.db.pool.query('SELECT count(*)::int AS n FROM tickets');
  return rows[0].n;
}

t.test('a valid registration answers 201 with the staff view and deadlines', async (t) => {
  const res = await ctx.app.inject(registrationRequest(clerk, valid));
  t.equal(res.statusCode, 201, res.body);
  const body = json(res);
  t.ok(parseTicketNo(body.ticketNo).ok, 'ticket number carries a valid check digit');
  t.match(body.ticketNo, /^20261125\d{7}$/);
  t.equal(body.status, 'registered');
  t.equal(body.categoryCode, 'dibao');
  t.equal(body.complainant.phone, '138****5678', 'phone masked in the staff view');
  t.equal(body.accessCode, null, 'no access code when a phone was given');
  // 低保 overrides the limit to 5 working days: from Wed 2026-11-25 → Wed 2026-12-02 23:59:59 +08.
  t.equal(body.dueAt, '2026-12-02T15:59:59.000Z');
  t.equal(body.signOffDueAt, null, 'sign-off clock starts at assignment');
  t.ok(Array.isArray(body.suggestedCategories));
  t.equal(body.suggestedCategories[0]?.code, 'dibao');
  t.same(body.duplicateCandidates, []);
});

t.test('without a phone the answer carries a 6-digit access code', async (t) => {
  const res = await ctx.app.inject(
    registrationRequest(clerk, { channel: 'walk_in', kind: 'consult', content: '想问问残疾证怎么办理', complainant: { anonymous: true } }),
  );
  t.equal(res.statusCode, 201, res.body);
  t.match(json(res).accessCode, /^\d{6}$/);
  // consult: 2 working days from Wed 11-25 → Fri 11-27 23:59:59 +08.
  t.equal(json(res).dueAt, '2026-11-27T15:59:59.000Z');
});

t.test('every validation rule names its field and changes nothing', async (t) => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['missing kind', { ...valid, kind: undefined }, 'kind'],
    ['missing channel', { ...valid, channel: undefined }, 'channel'],
    ['missing content', { ...valid, content: undefined }, 'content'],
    ['bad channel', { ...valid, channel: 'fax' }, 'channel'],
    ['bad kind', { ...valid, kind: 'praise' }, 'kind'],
    ['content too short', { ...valid, content: '太短' }, 'content'],
    ['content too long', { ...valid, content: '长'.repeat(2001) }, 'content'],
    ['name too long', { ...valid, complainant: { name: '名'.repeat(31) } }, 'complainant.name'],
    ['bad mobile', { ...valid, complainant: { phone: '12812345678' } }, 'complainant.phone'],
    ['short mobile', { ...valid, complainant: { phone: '1381234567' } }, 'complainant.phone'],
    ['bad landline', { ...valid, complainant: { phone: '571-8888666' } }, 'complainant.phone'],
    ['anonymous with name', { ...valid, complainant: { name: '张三', anonymous: true } }, 'complainant.name'],
    ['anonymous not boolean', { ...valid, complainant: { anonymous: 'yes' } }, 'complainant.anonymous'],
    ['confidential not boolean', { ...valid, confidential: 1 }, 'confidential'],
    ['unknown village', { ...valid, villageCode: 'nowhere' }, 'villageCode'],
    ['office as village', { ...valid, villageCode: 'mz' }, 'villageCode'],
    ['bad code format', { ...valid, villageCode: 'Dong Shan' }, 'villageCode'],
    ['unknown category', { ...valid, categoryCode: 'unicorns' }, 'categoryCode'],
    ['future receivedAt', { ...valid, receivedAt: '2026-11-26T09:30:00+08:00' }, 'receivedAt'],
    ['receivedAt without offset', { ...valid, receivedAt: '2026-11-25T09:30:00' }, 'receivedAt'],
    ['receivedAt too old', { ...valid, receivedAt: '2024-01-01T09:30:00+08:00' }, 'receivedAt'],
    ['unknown top-level field', { ...valid, status: 'closed' }, 'status'],
    ['unknown nested field', { ...valid, complainant: { phone: '13812345678', idNumber: '1' } }, 'complainant.idNumber'],
    ['wechat channel without group', { ...valid, channel: 'wechat_group' }, 'wechat.group'],
    ['wechat info on phone channel', { ...valid, wechat: { group: '东山村民群' } }, 'wechat'],
    ['address too long', { ...valid, address: '址'.repeat(201) }, 'address'],
  ];
  const before = await countTickets();
  for (const [name, body, path] of cases) {
    const res = await ctx.app.inject(registrationRequest(clerk, body));
    t.equal(res.statusCode, 400, `${name}: 400`);
    const b = json(res);
    t.equal(b.code, 'VALIDATION_FAILED', `${name}: code`);
    t.ok(b.requestId, `${name}: requestId`);
    const detail = b.details?.find((d: { path: string }) => d.path === path);
    t.ok(detail, `${name}: details name ${path} (got ${JSON.stringify(b.details)})`);
    t.match(detail?.message ?? '', /[\u4e00-\u9fff]/, `${name}: message in Chinese`);
  }
  t.equal(await countTickets(), before, 'no ticket stored by any refused request');
});

t.test('several bad fields are all reported at once', async (t) => {
  const res = await ctx.app.inject(registrationRequest(clerk, { channel: 'fax', kind: 'x', content: '短' }));
  t.equal(res.statusCode, 400);
  t.same(json(res).details.map((d: { path: string }) => d.path).sort(), ['channel', 'content', 'kind']);
});

t.test('landline numbers are accepted with or without the dash', async (t) => {
  for (const phone of ['0571-88886666', '057188886666', '010-12345678']) {
    const res = await ctx.app.inject(registrationRequest(clerk, { ...valid, complainant: { phone } }));
    t.equal(res.statusCode, 201, `${phone}: ${res.body}`);
  }
});

t.test('Idempotency-Key: replay, reuse with another body, missing', async (t) => {
  const key = 'replay-key-0001';
  const first = await ctx.app.inject(registrationRequest(clerk, valid, key));
  t.equal(first.statusCode, 201);
  const count = await countTickets();
  const again = await ctx.app.inject(registrationRequest(clerk, valid, key));
  t.equal(again.statusCode, 201);
  t.equal(again.headers['idempotent-replayed'], 'true');
  t.same(json(again), json(first), 'the same answer again');
  t.equal(await countTickets(), count, 'nothing new stored');

  const other = await ctx.app.inject(registrationRequest(clerk, { ...valid, content: '另外一件事情，路灯坏了' }, key));
  t.equal(other.statusCode, 422);
  t.equal(json(other).code, 'IDEMPOTENCY_KEY_REUSED');
  t.equal(await countTickets(), count);

  const { 'idempotency-key': _k, ...headers } = registrationRequest(clerk, valid).headers;
  const missing = await ctx.app.inject({ method: 'POST', url: '/api/v1/tickets', headers, payload: valid });
  t.equal(missing.statusCode, 400);
  t.equal(json(missing).code, 'IDEMPOTENCY_KEY_MISSING');
  t.equal(await countTickets(), count);
});

t.test('concurrent requests with one key store one ticket', async (t) => {
  const key = 'concurrent-key-01';
  const before = await countTickets();
  const answers = await Promise.all(
    Array.from({ length: 8 }, () => ctx.app.inject(registrationRequest(clerk, { ...valid, content: '并发登记测试，路面塌陷了' }, key))),
  );
  t.same(answers.map((a) => a.statusCode), Array(8).fill(201));
  t.equal(new Set(answers.map((a) => json(a).ticketNo)).size, 1, 'one ticket number for all');
  t.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 7);
  t.equal(await countTickets(), before + 1);
});

t.test('a key is scoped to its caller', async (t) => {
  const other = await staffSession(ctx, ['clerk']);
  const key = 'shared-key-000001';
  const a = await ctx.app.inject(registrationRequest(clerk, valid, key));
  const b = await ctx.app.inject(registrationRequest(other, valid, key));
  t.equal(a.statusCode, 201);
  t.equal(b.statusCode, 201);
  t.not(json(a).ticketNo, json(b).ticketNo);
});

t.test('a suggestion is never applied by itself', async (t) => {
  const res = await ctx.app.inject(
    registrationRequest(clerk, { channel: 'phone', kind: 'complaint', content: '村口的路灯坏了一个月了，晚上黑灯瞎火', villageCode: 'xihe' }),
  );
  t.equal(res.statusCode, 201);
  const body = json(res);
  t.equal(body.categoryCode, null);
  t.equal(body.status, 'registered');
  t.equal(body.suggestedCategories[0].code, 'road');
  // complaint: 15 working days from Wed 2026-11-25 → Wed 2026-12-16.
  t.equal(body.dueAt, '2026-12-16T15:59:59.000Z');
});

t.test('duplicate candidates: same phone, or same village and category with similar content', async (t) => {
  const phone = '13900001111';
  const first = json(await ctx.app.inject(registrationRequest(clerk, { ...valid, content: '自来水停了三天了，一直没人来修', categoryCode: 'drinking_water', complainant: { phone } })));
  const byPhone = json(await ctx.app.inject(registrationRequest(clerk, { ...valid, content: '问一下医保怎么报销', categoryCode: 'social_insurance', complainant: { phone } })));
  t.ok(byPhone.duplicateCandidates.some((d: { ticketNo: string; samePhone: boolean }) => d.ticketNo === first.ticketNo && d.samePhone));
  const similar = json(await ctx.app.inject(registrationRequest(clerk, { ...valid, content: '自来水停了好几天了，一直没有人来修理', categoryCode: 'drinking_water', complainant: { phone: '13700002222' } })));
  t.ok(similar.duplicateCandidates.some((d: { ticketNo: string }) => d.ticketNo === first.ticketNo), 'similar content in the same village and category');
  const unrelated = json(await ctx.app.inject(registrationRequest(clerk, { ...valid, villageCode: 'nanling', content: '自来水停了三天了，一直没人来修', categoryCode: 'drinking_water', complainant: { phone: '13700003333' } })));
  t.notOk(unrelated.duplicateCandidates.some((d: { ticketNo: string }) => d.ticketNo === first.ticketNo), 'another village is not a duplicate');
});

t.test('the registered event opens the timeline and an outbox row is written', async (t) => {
  const body = json(await ctx.app.inject(registrationRequest(clerk, valid)));
  const { rows } = await ctx.db.pool.query(
    `SELECT e.type, e.public FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.ticket_no = $1`,
    [body.ticketNo],
  );
  t.same(rows, [{ type: 'registered', public: true }]);
  const outbox = await ctx.db.pool.query(
    `SELECT topic, payload FROM outbox WHERE payload->>'ticketId' = (SELECT id::text FROM tickets WHERE ticket_no = $1) ORDER BY id`,
    [body.ticketNo],
  );
  t.same(outbox.rows.map((r) => r.topic), ['notifications', 'routing', 'deadlines'], 'SMS, routing, and the first ladder step');
  t.notMatch(JSON.stringify(outbox.rows), /138|张三|东山村3组/, 'outbox payloads carry ids only');
});

t.test('a year without calendar data is flagged, never guessed silently', async (t) => {
  ctx.clock.set('2026-12-28T02:00:00Z');
  // A month later the old session has long timed out: sign in again.
  const fresh = await staffSession(ctx, ['clerk']);
  const res = await ctx.app.inject(registrationRequest(fresh, { ...valid, receivedAt: undefined, categoryCode: undefined, kind: 'complaint' }));
  t.equal(res.statusCode, 201);
  t.equal(json(res).calendarWarning, true, 'a deadline running into 2027 is flagged');
  ctx.clock.set('2026-11-25T01:30:00Z');
});
