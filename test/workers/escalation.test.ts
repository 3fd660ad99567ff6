// Both escalation ladders step by step under an injected clock (SPEC §7): each step once, as a
// timeline event plus staff notifications; acceptance and replies stop a ladder; an approved
// extension moves the deadline and cancels the pending steps; applying twice is a no-op.
import t from 'tap';
import { json, registrationRequest, setupApp } from '../helpers/app.js';
import { staffCast } from '../helpers/tickets.js';
import { TestClock } from '../helpers/clock.js';
import { sweepDeadlines, applyDueEscalations } from '../../src/services/escalation.service.js';

const clock = new TestClock('2026-11-25T02:00:00Z'); // Wed 10:00 in Shanghai
const ctx = await setupApp(t, { clock });
/** Sessions time out while the clock jumps days ahead: the cast signs in afresh for every call. */
const { as, act } = await staffCast(ctx, {
  clerk: [['clerk'], null],
  handler: [['handler'], 'cj'],
  supervisor: [['supervisor'], null],
  leader: [['leader'], null],
});

async function escalations(no: string): Promise<string[]> {
  const { rows } = await ctx.db.pool.query(
    `SELECT e.data->>'deadline' AS d, e.data->>'level' AS l FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
      WHERE t.ticket_no = $1 AND e.type = 'escalation' ORDER BY e.id`,
    [no],
  );
  return rows.map((r) => `${r.d}:${r.l}`);
}

async function register(): Promise<string> {
  const res = await ctx.app.inject(registrationRequest(await as('clerk'), { channel: 'phone', kind: 'complaint', content: '村道塌陷一直没人修', villageCode: 'xihe', complainant: { phone: '13600000001' } }));
  return json(res).ticketNo;
}

const at = (iso: string) => clock.set(iso);

t.test('the sign-off ladder, then the resolve ladder, each step exactly once', async (t) => {
  at('2026-11-25T02:00:00Z');
  const no = await register();
  // Resolve due: 15 working days after Wed 11-25 → Wed 12-16 23:59:59 +08 (15:59:59Z).
  const assigned = await act('clerk', no, 'assign', { departmentCode: 'cj', categoryCode: 'road' });
  t.equal(assigned.signOffDueAt, '2026-11-26T15:59:59.000Z', 'sign-off due end of Thu 11-26');

  at('2026-11-26T11:59:58Z'); // just before 4 h ahead of sign-off due
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), [], 'nothing before the warning');
  at('2026-11-26T11:59:59Z');
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), ['signOff:warning']);
  at('2026-11-26T15:59:59Z');
  await sweepDeadlines(ctx.deps);
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), ['signOff:warning', 'signOff:overdue'], 'overdue at the due instant, once');
  // escalated: 1 working day after Thu 11-26 → Fri 11-27 end of day.
  at('2026-11-27T15:59:59Z');
  await Promise.all([sweepDeadlines(ctx.deps), sweepDeadlines(ctx.deps), sweepDeadlines(ctx.deps)]);
  t.same(await escalations(no), ['signOff:warning', 'signOff:overdue', 'signOff:escalated'], 'concurrent sweeps apply it once');

  // Accepting stops the sign-off ladder before its summons (Mon 11-30).
  await act('handler', no, 'accept');
  at('2026-12-01T02:00:00Z');
  await sweepDeadlines(ctx.deps);
  t.same((await escalations(no)).filter((e) => e.startsWith('signOff')).length, 3, 'no sign-off summons after acceptance');

  // Resolve ladder: warning end of Tue 12-15, overdue Wed 12-16, escalated Mon 12-21, summons Wed 12-23.
  at('2026-12-15T15:59:58Z');
  await sweepDeadlines(ctx.deps);
  t.notOk((await escalations(no)).some((e) => e.startsWith('resolve')));
  at('2026-12-15T15:59:59Z');
  await sweepDeadlines(ctx.deps);
  t.ok((await escalations(no)).includes('resolve:warning'));
  const { rows } = await ctx.db.pool.query('SELECT id::text FROM tickets WHERE ticket_no = $1', [no]);
  at('2026-12-23T16:00:00Z'); // after the summons: a late sweep applies the passed steps in order
  const applied = await Promise.all([1, 2, 3, 4].map(() => applyDueEscalations(ctx.deps, rows[0].id)));
  t.equal(applied.reduce((a, b) => a + b, 0), 3, 'three steps applied once between four concurrent callers');
  t.same((await escalations(no)).filter((e) => e.startsWith('resolve')), ['resolve:warning', 'resolve:overdue', 'resolve:escalated', 'resolve:summons']);
  t.equal((await sweepDeadlines(ctx.deps)).steps, 0, 'nothing left to apply');

  // SPEC §18: the deadlines as rows on the ticket, the one in force first.
  const shown = json(await ctx.app.inject({ method: 'GET', url: `/api/v1/tickets/${no}`, headers: (await as('leader')).headers }));
  t.same(
    shown.deadlines.map((d: Record<string, unknown>) => [d.kind, d.departmentCode, d.dueAt, d.level, d.paused, d.open]),
    [
      ['resolve', 'cj', '2026-12-16T15:59:59.000Z', 'summons', false, true],
      ['sign_off', 'cj', '2026-11-26T15:59:59.000Z', 'escalated', false, false],
    ],
  );

  const board = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/supervision', headers: (await as('leader')).headers }));
  t.same(board.items.find((i: { ticketNo: string }) => i.ticketNo === no), {
    ticketNo: no, departmentCode: 'cj', deadline: 'resolve', level: 'summons', levelLabel: '约谈', dueAt: '2026-12-16T15:59:59.000Z', status: 'in_progress',
  });
  const inbox = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/inbox', headers: (await as('handler')).headers }));
  const mine = inbox.notifications.filter((n: { ticketNo: string }) => n.ticketNo === no).map((n: { template: string }) => n.template);
  t.ok(mine.includes('escalation_warning') && mine.includes('escalation_overdue'), 'the department heard of its warning and overdue');
  const leaders = json(await ctx.app.inject({ method: 'GET', url: '/api/v1/inbox', headers: (await as('leader')).headers }));
  t.ok(leaders.notifications.some((n: { ticketNo: string; template: string }) => n.ticketNo === no && n.template === 'escalation_summons'), 'leaders hear of 约谈');
  // The words come from the ladder in force (default: 督办 3 working days after, 约谈 5) and name the deadline.
  const { rows: [{ ladder }] } = await ctx.db.pool.query("SELECT policy->'ladders'->'resolve' AS ladder FROM sla_policy");
  const summons = leaders.notifications.find((n: { ticketNo: string; template: string }) => n.ticketNo === no && n.template === 'escalation_summons');
  t.equal(summons.deadline, 'resolve');
  t.match(summons.message, /^约谈：工单超过办理期限\S+仍未办结$/, summons.message);
  t.match(summons.message, `${ladder.summonsAfter.amount}个工作日`, 'the amount of the policy in force');
});

t.test('an approved extension moves the deadline and cancels the pending steps', async (t) => {
  at('2026-11-25T02:00:00Z');
  const no = await register();
  await act('clerk', no, 'assign', { departmentCode: 'cj' });
  await act('handler', no, 'accept');
  at('2026-12-10T02:00:00Z');
  await act('handler', no, 'request_extension', { workingDays: 5, reason: '需要协调施工队' });
  const approved = await act('supervisor', no, 'decide_extension', { approve: true });
  t.equal(approved.dueAt, '2026-12-23T15:59:59.000Z', '12-16 + 5 working days → Wed 12-23');
  at('2026-12-16T16:00:00Z'); // past the old due instant
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), [], 'the old warning and overdue never fire');
  at('2026-12-22T15:59:59Z');
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), ['resolve:warning'], 'the new ladder runs');
});

t.test('a reply stops the ladder', async (t) => {
  at('2026-11-25T02:00:00Z');
  const no = await register();
  await act('clerk', no, 'assign', { departmentCode: 'cj' });
  await act('handler', no, 'accept');
  await act('handler', no, 'reply', { reply: '已修复', result: 'resolved' });
  const { rows } = await ctx.db.pool.query(
    `SELECT d.kind, d.state, d.next_step_at FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id WHERE t.ticket_no = $1 AND d.kind <> 'follow_up' ORDER BY d.id`,
    [no],
  );
  t.same(rows, [
    { kind: 'resolve', state: 'done', next_step_at: null },
    { kind: 'sign_off', state: 'done', next_step_at: null },
  ], 'no step left on any deadline');
  at('2027-01-30T00:00:00Z');
  await sweepDeadlines(ctx.deps);
  t.same(await escalations(no), []);
});
