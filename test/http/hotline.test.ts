// The 12345 hotline's push (SPEC §15) through the real app: idempotency by the platform's number
// (one after the other, and twins racing), the platform's deadline in force, village and category
// names matched to the catalogue (or flagged for the clerk), validation in Chinese naming the
// field, 403 for a key without the scope; staff find the ticket by its external number.
import t from 'tap';
import { createStaff, json, login, setupApp } from '../helpers/app.js';
import { expectInvalid } from '../helpers/tickets.js';

const ctx = await setupApp(t);
const admin = await login(ctx, await createStaff(ctx, ['admin', 'clerk']));

async function newKey(scopes: string[]): Promise<string> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: '县12345平台', scopes } });
  if (res.statusCode !== 201) throw new Error(res.body);
  return json(res).key;
}
const hotlineKey = await newKey(['intake:hotline']);
const otherKey = await newKey(['intake:api', 'open311']);

let seq = 0;
const order = (over: Record<string, unknown> = {}) => ({
  externalNo: `GD2026112500${String(++seq).padStart(3, '0')}`,
  receivedAt: '2026-11-25T08:05:00+08:00',
  kind: '求助',
  content: '东山村3组自来水停水两天了，希望尽快恢复供水',
  complainant: { name: '王建国', phone: '13912345678' },
  area: '东山村3组',
  category: '饮水供水',
  ...over,
});
const push = (body: unknown, key = hotlineKey) =>
  ctx.app.inject({ method: 'POST', url: '/api/v1/intake/hotline', headers: { authorization: `Bearer ${key}` }, payload: body as object });
const staffTicket = async (no: string) => json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: admin.headers }));

t.test('a push registers a hotline ticket; the same number again answers 200 with it, nothing new stored', async (t) => {
  const body = order();
  const first = await push(body);
  t.equal(first.statusCode, 201, first.body);
  const ticket = json(first);
  t.equal(ticket.source, 'hotline_12345');
  t.equal(ticket.externalNo, body.externalNo);
  t.equal(ticket.channel, 'phone', 'no hotline channel: phone');
  t.equal(ticket.kind, 'help', 'Chinese kind name accepted');
  t.equal(ticket.villageCode, 'dongshan', '东山村3组 → 东山村');
  t.equal(ticket.categoryCode, 'drinking_water');
  t.same(ticket.unmatched, []);
  t.equal(ticket.receivedAt, '2026-11-25T00:05:00.000Z');

  const count = async () => (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets WHERE external_no = $1`, [body.externalNo])).rows[0].n;
  const events = async () => (await ctx.db.pool.query(`SELECT count(*)::int AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.external_no = $1`, [body.externalNo])).rows[0].n;
  const evBefore = await events();
  for (const again of [body, { ...body, content: '平台修改了内容后重推，同一工单编号' }]) {
    const res = await push(again);
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.headers['idempotent-replayed'], 'true');
    t.equal(json(res).ticketNo, ticket.ticketNo);
  }
  t.equal(await count(), 1, 'one ticket');
  t.equal(await events(), evBefore, 'no new timeline events');
});

t.test('twins racing: one ticket, every answer names it', async (t) => {
  for (const variant of ['same', 'different']) {
    const body = order();
    const bodies = Array.from({ length: 6 }, (_, i) => (variant === 'same' ? body : { ...body, content: `${body.content}（第${i}次推送）` }));
    const answers = await Promise.all(bodies.map((b) => push(b)));
    const codes = answers.map((a) => a.statusCode).sort();
    t.same(codes, [200, 200, 200, 200, 200, 201], `${variant}: one 201, the rest 200 (${answers.map((a) => a.body.slice(0, 80)).join(' | ')})`);
    t.equal(new Set(answers.map((a) => json(a).ticketNo)).size, 1, `${variant}: one ticket number`);
    const { rows } = await ctx.db.pool.query(`SELECT count(*)::int AS n FROM tickets WHERE external_no = $1`, [body.externalNo]);
    t.equal(rows[0].n, 1, `${variant}: one row`);
  }
});

t.test('the platform deadline is the deadline in force; without it SPEC §7 applies', async (t) => {
  const withDue = json(await push(order({ dueAt: '2026-11-27T17:30:00+08:00' })));
  t.equal(withDue.dueAt, '2026-11-27T09:30:00.000Z');
  const without = json(await push(order()));
  t.not(without.dueAt, '2026-11-27T09:30:00.000Z');
  t.ok(new Date(without.dueAt) > new Date('2026-11-25T01:30:00Z'));
  // Assigning does not restart the resolve clock: the platform's limit still governs.
  const assign = await ctx.app.inject({
    method: 'POST', url: `/api/v1/tickets/${withDue.ticketNo}/actions/assign`, headers: admin.headers, payload: { departmentCode: 'sw' },
  });
  t.equal(assign.statusCode, 200, assign.body);
  t.equal(json(assign).dueAt, '2026-11-27T09:30:00.000Z');
});

t.test('names the catalogue does not know are left for the clerk and flagged on the timeline', async (t) => {
  const res = await push(order({ area: '火星基地', category: '外星人投诉' }));
  t.equal(res.statusCode, 201, res.body);
  const ticket = json(res);
  t.equal(ticket.villageCode, null);
  t.equal(ticket.categoryCode, null);
  t.equal(ticket.status, 'registered', 'waits for the clerk');
  t.same(ticket.unmatched.sort(), ['area', 'category']);
  const full = await staffTicket(ticket.ticketNo);
  const notes = full.timeline.filter((e: any) => e.type === 'commented').map((e: any) => e.note);
  t.ok(notes.some((n: string) => n.includes('12345 分类“外星人投诉”未匹配，请人工分类')), JSON.stringify(notes));
  t.ok(notes.some((n: string) => n.includes('火星基地')));
  t.ok(full.timeline.filter((e: any) => e.type === 'commented').every((e: any) => e.public === false), 'internal notes');
  // Contained the other way round, unambiguous: 西河 → 西河村; codes given win over names.
  const short = json(await push(order({ area: '西河', category: '低保特困救助', villageCode: 'nanling' })));
  t.equal(short.villageCode, 'nanling');
  t.equal(short.categoryCode, 'dibao');
  const contained = json(await push(order({ area: '西河', category: '民政-低保特困救助' })));
  t.equal(contained.villageCode, 'xihe');
  t.equal(contained.categoryCode, 'dibao');
});

t.test('validation: 400 naming each bad field in Chinese; nothing stored', async (t) => {
  const before = (await ctx.db.pool.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n;
  const { externalNo: _no, ...noNumber } = order();
  expectInvalid(t, await push(noNumber), 'externalNo', 'missing externalNo');
  expectInvalid(t, await push(order({ externalNo: 'x'.repeat(65) })), 'externalNo', 'too long');
  expectInvalid(t, await push(order({ receivedAt: '2026/11/25 8:05' })), 'receivedAt', 'bad date');
  expectInvalid(t, await push(order({ receivedAt: '2026-12-25T08:05:00+08:00' })), 'receivedAt', 'future', /晚于/);
  expectInvalid(t, await push(order({ receivedAt: '2024-01-02T08:05:00+08:00' })), 'receivedAt', 'older than registration allows', /一年/);
  expectInvalid(t, await push(order({ dueAt: '2026-11-24T08:05:00+08:00' })), 'dueAt', 'due before received', /晚于受理时间/);
  expectInvalid(t, await push(order({ kind: '闲聊' })), 'kind', 'unknown kind');
  expectInvalid(t, await push(order({ content: '停水' })), 'content', 'short content');
  expectInvalid(t, await push(order({ complainant: { phone: '12345' } })), 'complainant.phone', 'bad phone');
  expectInvalid(t, await push(order({ categoryCode: 'nope' })), 'categoryCode', 'unknown code');
  const unknown = await push({ ...order(), secretField: 1 });
  t.equal(unknown.statusCode, 400, 'unknown field');
  t.equal((await ctx.db.pool.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n, before, 'nothing stored');
});

t.test('only a key with intake:hotline may push', async (t) => {
  t.equal((await push(order(), otherKey)).statusCode, 403, 'other scopes');
  t.equal((await ctx.app.inject({ method: 'POST', url: '/api/v1/intake/hotline', payload: order() })).statusCode, 401, 'no key');
  const staff = await ctx.app.inject({ method: 'POST', url: '/api/v1/intake/hotline', headers: admin.headers, payload: order() });
  t.equal(staff.statusCode, 403, 'a staff session is not the platform');
});

t.test('staff find a ticket by its external number, see the source tag in the list and filter by source', async (t) => {
  const body = order({ externalNo: 'SZ-12345-0001' });
  const ticket = json(await push(body));
  const list = async (qs: string) => json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets?${qs}`, headers: admin.headers })).items;
  t.same((await list(`q=${encodeURIComponent('SZ-12345-0001')}`)).map((i: any) => i.ticketNo), [ticket.ticketNo], 'exact external number');
  t.same(await list(`q=${encodeURIComponent('SZ-12345-000')}`), [], 'not a partial match');
  const numeric = json(await push(order({ externalNo: '2026112500777' })));
  t.ok((await list('q=2026112500777')).some((i: any) => i.ticketNo === numeric.ticketNo), 'a numeric external number too');
  const bySource = await list('source=hotline_12345&limit=200');
  t.ok(bySource.length > 5 && bySource.every((i: any) => i.source === 'hotline_12345' && i.sourceLabel === '12345热线'));
  t.same(await list('source=import'), []);
  const page = await ctx.app.inject({ method: 'GET', url: `/staff/tickets?q=SZ-12345-0001`, headers: admin.headers });
  t.match(page.body, /12345热线/, 'list tag');
  const one = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticket.ticketNo}`, headers: admin.headers });
  t.match(one.body, /SZ-12345-0001/, 'ticket page');
  const receipt = await ctx.app.inject({ method: 'GET', url: `/staff/tickets/${ticket.ticketNo}/receipt`, headers: admin.headers });
  t.match(receipt.body, /12345工单编号/, 'receipt');
  t.match(receipt.body, /SZ-12345-0001/);
});
