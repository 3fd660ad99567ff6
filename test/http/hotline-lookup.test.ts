// The resident's lookup by the 12345 platform's number (SPEC §15): GET /api/v1/public/tickets
// ?externalNo=&verify= with the rules of §5 — the public view, one 404 for an unknown number and a
// wrong verification, the lockout after 5 failures (shared with the ticket number's) — and the
// /track page taking either number.
import t from 'tap';
import { createStaff, json, login, setupApp } from '../helpers/app.js';
import { withoutRequestId } from '../helpers/tickets.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';

const ctx = await setupApp(t, { env: { PUBLIC_LOOKUP_RATE_LIMIT: '100000' } });
const admin = await login(ctx, await createStaff(ctx, ['admin', 'clerk']));
const keyRes = await ctx.app.inject({ method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: '12345', scopes: ['intake:hotline'] } });
const key = json(keyRes).key as string;

let seq = 0;
async function pushed(phone = '13912345678'): Promise<{ ticketNo: string; externalNo: string }> {
  const externalNo = `GD2026-${++seq}`;
  const res = await ctx.app.inject({
    method: 'POST', url: '/api/v1/intake/hotline', headers: { authorization: `Bearer ${key}` },
    payload: { externalNo, receivedAt: '2026-11-25T08:05:00+08:00', kind: 'help', content: '村口路灯坏了一个多月没人修', complainant: { name: '赵六', phone }, area: '东山村', category: '道路桥梁与路灯' },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
  return { ticketNo: json(res).ticketNo, externalNo };
}
const byExt = (externalNo: string, verify: string) =>
  ctx.app.inject({ method: 'GET', url: `/api/v1/public/tickets?externalNo=${encodeURIComponent(externalNo)}&verify=${verify}` });
const byNo = (ticketNo: string, verify: string) => ctx.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${ticketNo}?verify=${verify}` });

t.test('found by the platform number with the phone last 4: the public view, nothing personal', async (t) => {
  const { ticketNo, externalNo } = await pushed();
  const res = await byExt(externalNo, '5678');
  t.equal(res.statusCode, 200, res.body);
  const body = json(res);
  t.equal(body.ticketNo, formatTicketNo(ticketNo));
  t.equal(body.category, '道路桥梁与路灯');
  t.same(body, json(await byNo(ticketNo, '5678')), 'the same view as by ticket number');
  for (const secret of ['赵六', '13912345678', '路灯坏了一个多月']) t.notOk(res.body.includes(secret), `no ${secret}`);
});

t.test('unknown number and wrong verification: the same 404; bad query: 400', async (t) => {
  const { externalNo } = await pushed();
  const unknown = await byExt('NO-SUCH-NUMBER', '5678');
  const wrong = await byExt(externalNo, '0000');
  t.equal(unknown.statusCode, 404);
  t.equal(wrong.statusCode, 404);
  t.same(withoutRequestId(unknown), withoutRequestId(wrong), 'identical bodies');
  t.equal((await byExt(externalNo, '12')).statusCode, 400, 'verify format');
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/v1/public/tickets?verify=5678' })).statusCode, 400, 'no number');
  t.equal((await byExt('x'.repeat(65), '5678')).statusCode, 400, 'too long');
});

t.test('5 failures lock the number for an hour, both ways round; an unknown number locks the same', async (t) => {
  const { ticketNo, externalNo } = await pushed();
  for (let i = 0; i < 5; i++) t.equal((await byExt(externalNo, '1111')).statusCode, 404, `failure ${i + 1}`);
  const locked = await byExt(externalNo, '5678');
  t.equal(locked.statusCode, 429, 'locked even with the right verification');
  t.equal(json(locked).code, 'LOOKUP_LOCKED');
  t.equal((await byNo(ticketNo, '5678')).statusCode, 429, 'the ticket number is locked too');
  for (let i = 0; i < 5; i++) await byExt('GHOST-1', '1111');
  t.equal((await byExt('GHOST-1', '1111')).statusCode, 429, 'an unknown number locks alike');
  ctx.clock.advance(61 * 60_000);
  t.equal((await byExt(externalNo, '5678')).statusCode, 200, 'open again after an hour');

  // Failures by ticket number count for the platform number as well.
  const other = await pushed('13900001111');
  for (let i = 0; i < 5; i++) await byNo(other.ticketNo, '9999');
  t.equal((await byExt(other.externalNo, '1111')).statusCode, 429);
});

t.test('/track takes either number; the rating form carries the ticket number', async (t) => {
  const { ticketNo, externalNo } = await pushed('13900002222');
  const form = (no: string, verify: string) =>
    ctx.app.inject({ method: 'POST', url: '/track', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ no, verify }).toString() });
  const ext = await form(externalNo, '2222');
  t.equal(ext.statusCode, 200);
  t.match(ext.body, formatTicketNo(ticketNo));
  const own = await form(formatTicketNo(ticketNo), '2222');
  t.equal(own.statusCode, 200);
  t.equal((await form('NOT-A-NUMBER', '2222')).statusCode, 404);
  const home = await ctx.app.inject({ method: 'GET', url: '/track' });
  t.match(home.body, /12345工单编号/, 'the form says so');
});
