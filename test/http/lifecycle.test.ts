// The lifecycle over HTTP (SPEC §3): actions change state, deadlines, timeline and outbox in one
// transaction; 409 names the state and the actions allowed now; concurrent actions cannot both win.
import t from 'tap';
import { json, setupApp, staffSession } from '../helpers/app.js';
import { act, actOk, register as registerAs } from '../helpers/tickets.js';
import { formatTicketNo } from '../../src/domain/ticket-number.js';
import { verifyTimelineChains } from '../../src/db/audit.repository.js';

const ctx = await setupApp(t);
const clerk = await staffSession(ctx, ['clerk']);
const supervisor = await staffSession(ctx, ['supervisor']);
const roadHandler = await staffSession(ctx, ['handler'], 'cj');
const waterHandler = await staffSession(ctx, ['handler'], 'sw');
const leader = await staffSession(ctx, ['leader']);

async function register(extra: Record<string, unknown> = {}): Promise<string> {
  return registerAs(ctx, clerk, {
    channel: 'phone', kind: 'complaint', content: '村口道路有个大坑，晚上骑车很危险', villageCode: 'xihe',
    complainant: { name: '李四', phone: '13600001234' }, ...extra,
  });
}

async function outboxTopics(ticketNo: string): Promise<string[]> {
  const { rows } = await ctx.db.pool.query(
    `SELECT o.topic, o.payload->>'template' AS template FROM outbox o JOIN tickets t ON o.payload->>'ticketId' = t.id::text
      WHERE t.ticket_no = $1 AND o.topic <> 'deadlines' ORDER BY o.id`,
    [ticketNo],
  );
  return rows.map((r) => `${r.topic}:${r.template ?? ''}`);
}

t.test('assign → accept → extension → reply → satisfied follow-up closes resolved', async (t) => {
  const no = await register();
  let res = await act(ctx, clerk, no, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
  t.equal(res.statusCode, 200, res.body);
  let body = json(res);
  t.equal(body.status, 'assigned');
  t.equal(body.departmentCode, 'cj');
  // Sign-off: 1 working day after assignment (Wed 11-25) → Thu 11-26 23:59:59 +08.
  t.equal(body.signOffDueAt, '2026-11-26T15:59:59.000Z');

  t.equal((await act(ctx, waterHandler, no, 'accept')).statusCode, 404, 'another department cannot even see it');
  res = await act(ctx, roadHandler, no, 'accept', {});
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).status, 'in_progress');

  res = await act(ctx, roadHandler, no, 'request_extension', { workingDays: 3, reason: '需要协调施工队' });
  t.equal(res.statusCode, 200, res.body);
  const dueBefore = json(res).dueAt;
  t.same(json(res).pendingExtension, { workingDays: 3, reason: '需要协调施工队' });
  res = await act(ctx, roadHandler, no, 'request_extension', { workingDays: 3, reason: '再申请' });
  t.equal(res.statusCode, 409, 'one pending request at a time');
  t.equal(json(res).code, 'EXTENSION_PENDING');

  res = await act(ctx, supervisor, no, 'decide_extension', { approve: true });
  t.equal(res.statusCode, 200, res.body);
  body = json(res);
  t.equal(body.pendingExtension, null);
  // 15 working days from 11-25 is Wed 12-16; +3 working days → Mon 12-21.
  t.equal(dueBefore, '2026-12-16T15:59:59.000Z');
  t.equal(body.dueAt, '2026-12-21T15:59:59.000Z', 'approved extension moves dueAt');

  res = await act(ctx, roadHandler, no, 'reply', { reply: '已安排施工队修补路面', result: 'resolved', publicSummary: '西河村路面坑洼已修补' });
  t.equal(res.statusCode, 200, res.body);
  body = json(res);
  t.equal(body.status, 'replied');
  t.equal(body.reply, '已安排施工队修补路面');
  // Follow-up: 2 working days after the reply (Wed 11-25) → Fri 11-27 23:59:59 +08 (SPEC §7).
  t.equal(body.followUpDueAt, '2026-11-27T15:59:59.000Z');

  res = await act(ctx, roadHandler, no, 'record_followup', { resolved: true, satisfaction: 'satisfied' });
  t.equal(res.statusCode, 403, 'the answering department never records its own follow-up');
  res = await act(ctx, clerk, no, 'record_followup', { resolved: true, satisfaction: 'satisfied' });
  t.equal(res.statusCode, 200, res.body);
  body = json(res);
  t.equal(body.status, 'closed');
  t.equal(body.outcome, 'resolved');
  t.same(
    body.timeline.map((e: { type: string }) => e.type),
    ['registered', 'assigned', 'accepted', 'extension_requested', 'extension_decided', 'replied', 'followed_up', 'closed'],
  );
  t.same(await outboxTopics(no), [
    'notifications:registered',
    'staff-notifications:assigned',
    'notifications:accepted',
    'staff-notifications:extension_requested',
    'notifications:extension_approved',
    'followups:',
    'notifications:replied',
  ]);
});

t.test('409 names the current state and the actions allowed now', async (t) => {
  const no = await register();
  const res = await act(ctx, clerk, no, 'reopen', { reason: '测试' });
  t.equal(res.statusCode, 403, 'a clerk may never reopen');
  const res2 = await act(ctx, supervisor, no, 'decide_extension', { approve: true });
  t.equal(res2.statusCode, 409);
  const body = json(res2);
  t.equal(body.code, 'ILLEGAL_TRANSITION');
  t.equal(body.status, 'registered');
  t.ok(body.allowedActions.includes('assign'));
  t.notOk(body.allowedActions.includes('decide_extension'));
  t.match(body.message, /已登记/);
});

t.test('bad bodies name the field; the state check still comes first', async (t) => {
  const no = await register();
  let res = await act(ctx, clerk, no, 'assign', { departmentCode: 'nowhere' });
  t.equal(res.statusCode, 400);
  t.equal(json(res).details[0].path, 'departmentCode');
  res = await act(ctx, clerk, no, 'assign', { departmentCode: 'cj', extra: 1 });
  t.equal(res.statusCode, 400);
  t.equal(json(res).details[0].path, 'extra');
  res = await act(ctx, roadHandler, no, 'reply', {});
  t.equal(res.statusCode, 404, 'a handler cannot see an unassigned ticket, whatever the body');
  res = await act(ctx, supervisor, no, 'reply', {});
  t.equal(res.statusCode, 403, 'role before body');
  res = await act(ctx, clerk, no, 'frobnicate', {});
  t.equal(res.statusCode, 400, 'unknown action');
});

t.test('return and decide_return: reassign, or refuse (improper return)', async (t) => {
  const no = await register();
  await actOk(ctx, clerk, no, 'assign', { departmentCode: 'sw' });
  let res = await act(ctx, waterHandler, no, 'return', { reasonCode: 'wrong_function', reason: '道路不归水务站管' });
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).status, 'returned');
  res = await act(ctx, supervisor, no, 'decide_return', { accept: true, departmentCode: 'cj' });
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).departmentCode, 'cj');
  res = await act(ctx, roadHandler, no, 'return', { reasonCode: 'other', reason: '试试退回' });
  t.equal(res.statusCode, 200);
  res = await act(ctx, supervisor, no, 'decide_return', { accept: false, note: '属于村镇建设办职责' });
  t.equal(res.statusCode, 200);
  const body = json(res);
  t.equal(body.departmentCode, 'cj');
  const decided = body.timeline.filter((e: { type: string }) => e.type === 'return_decided');
  t.same(decided.map((e: { improper: boolean }) => e.improper), [false, true]);
});

t.test('dissatisfied follow-ups reopen twice, then close flagged', async (t) => {
  const no = await register();
  await actOk(ctx, clerk, no, 'assign', { departmentCode: 'cj' });
  for (let round = 1; round <= 3; round++) {
    t.equal((await act(ctx, roadHandler, no, 'accept')).statusCode, 200);
    t.equal((await act(ctx, roadHandler, no, 'reply', { reply: `第${round}次答复`, result: 'explained' })).statusCode, 200);
    const res = await act(ctx, clerk, no, 'record_followup', { resolved: false, satisfaction: 'dissatisfied' });
    t.equal(res.statusCode, 200, res.body);
    const body = json(res);
    if (round < 3) {
      t.equal(body.status, 'assigned', `round ${round} reopens`);
      t.equal(body.reopenCount, round);
    } else {
      t.equal(body.status, 'closed', 'the third dissatisfied follow-up closes');
      t.equal(body.supervisorFlag, true);
      t.equal(body.escalationLevel, 'summons', 'the second reopen went straight to 约谈');
    }
  }
});

t.test('reject, merge and reopen', async (t) => {
  const a = await register();
  let res = await act(ctx, clerk, a, 'reject', { reason: '不属于本镇职责范围，请向县市场监管局反映' });
  t.equal(res.statusCode, 200);
  t.equal(json(res).outcome, 'rejected');
  res = await act(ctx, supervisor, a, 'reopen', { reason: '经核实属于本镇职责', departmentCode: 'cj' });
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).status, 'assigned');

  const b = await register();
  const c = await register();
  res = await act(ctx, clerk, b, 'merge', { intoTicketNo: b });
  t.equal(res.statusCode, 400, 'not into itself');
  res = await act(ctx, clerk, b, 'merge', { intoTicketNo: '202611250000000' });
  t.equal(res.statusCode, 400);
  res = await act(ctx, clerk, b, 'merge', { intoTicketNo: formatTicketNo(c) });
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).status, 'merged');
  t.equal(json(res).mergedInto, c);
  t.ok((await outboxTopics(b)).includes('notifications:merged'), 'the merged ticket’s resident is told');
});

t.test('comment and instruct', async (t) => {
  const no = await register();
  let res = await act(ctx, leader, no, 'instruct', { note: '请尽快处理，注意安全' });
  t.equal(res.statusCode, 200, res.body);
  t.equal(json(res).leaderAttention, true);
  res = await act(ctx, clerk, no, 'comment', { note: '已电话安抚群众', public: true });
  t.equal(res.statusCode, 200);
  const lookup = await ctx.app.inject({ method: 'GET', url: `/api/v1/public/tickets/${no}?verify=1234` });
  const timeline = json(lookup).timeline.map((e: { type: string; note: string }) => `${e.type}:${e.note ?? ''}`);
  t.ok(timeline.includes('commented:已电话安抚群众'), 'public comments reach the resident');
  t.notOk(JSON.stringify(json(lookup)).includes('注意安全'), 'instructions stay internal');
});

t.test('concurrent actions on one ticket cannot both win', async (t) => {
  const no = await register();
  await actOk(ctx, clerk, no, 'assign', { departmentCode: 'cj' });
  const other = await staffSession(ctx, ['handler'], 'cj');
  const third = await staffSession(ctx, ['handler'], 'cj');
  const results = await Promise.all([act(ctx, roadHandler, no, 'accept'), act(ctx, other, no, 'accept'), act(ctx, third, no, 'accept')]);
  const codes = results.map((r) => r.statusCode).sort();
  t.same(codes, [200, 409, 409], 'exactly one action wins');
  const { rows } = await ctx.db.pool.query(
    `SELECT count(*)::int AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.ticket_no = $1 AND e.type = 'accepted'`,
    [no],
  );
  t.equal(rows[0].n, 1);
});

t.test('every timeline is hash-chained: a verifier names the altered event', async (t) => {
  const no = await register();
  await actOk(ctx, clerk, no, 'assign', { departmentCode: 'cj' });
  await actOk(ctx, roadHandler, no, 'accept');
  await actOk(ctx, roadHandler, no, 'reply', { reply: '已修复', result: 'resolved' });
  t.same((await verifyTimelineChains(ctx.db.pool)).faults, [], 'intact');
  const { rows } = await ctx.db.pool.query(
    `SELECT e.id::text, e.prev_hash, e.hash FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.ticket_no = $1 ORDER BY e.id`,
    [no],
  );
  t.equal(rows[0].prev_hash, '0'.repeat(64), 'the chain starts at zero');
  for (let i = 1; i < rows.length; i++) t.equal(rows[i].prev_hash, rows[i - 1].hash, `event ${i} links to the one before`);
  await t.rejects(ctx.db.pool.query(`UPDATE ticket_events SET note = '改过' WHERE id = $1`, [rows[1].id]), 'the timeline refuses updates');
  // Someone with the power to switch the guard off alters an event: the chain still tells.
  await ctx.db.pool.query('ALTER TABLE ticket_events DISABLE TRIGGER ticket_events_append_only');
  await ctx.db.pool.query(`UPDATE ticket_events SET data = data || '{"departmentCode":"sw"}' WHERE id = $1`, [rows[1].id]);
  await ctx.db.pool.query('ALTER TABLE ticket_events ENABLE TRIGGER ticket_events_append_only');
  t.same((await verifyTimelineChains(ctx.db.pool)).faults, [{ id: rows[1].id, content: true, link: false }], 'the altered event is named, and only it');
});
