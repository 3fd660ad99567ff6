// Lifecycle paths through decide(): the events (type, public, note, data) and the effects each
// step hands to the service. The state × action × role table is in ticket.test.ts.

import t from 'tap';
import { DomainError } from '../../src/domain/errors.js';
import { generateTicketNo, formatTicketNo } from '../../src/domain/ticket-number.js';
import {
  decide,
  type ActionInput,
  type Actor,
  type Decision,
  type TicketState,
} from '../../src/domain/ticket.js';

const NOW = new Date('2026-11-25T02:00:00Z');
const DUE = new Date('2026-12-10T15:59:59Z');
const NO = generateTicketNo(NOW, '483920');
const user = (roles: Actor['roles'], departmentCode: string | null = null): Actor => ({
  kind: 'user', id: roles[0], roles, departmentCode,
});
const clerk = user(['clerk']);
const supervisor = user(['supervisor']);
const leader = user(['leader']);
const dongshan = user(['handler'], 'dongshan');
const xishan = user(['handler'], 'xishan');
const resident: Actor = { kind: 'resident', id: null, roles: [], departmentCode: null };
const system: Actor = { kind: 'system', id: null, roles: [], departmentCode: null };

const registered: TicketState = {
  ticketNo: NO, status: 'registered', outcome: null, departmentCode: null, categoryCode: null,
  reopenCount: 0, pendingExtension: null, dueAt: DUE, leaderAttention: false, replyResult: null,
  satisfaction: null, followupRecordedThisRound: false,
};

/** Applies steps in order, one minute apart; returns the last decision. */
function run(state: TicketState, ...steps: [Actor, ActionInput][]): Decision {
  let d: Decision = { next: state, events: [], effects: [] };
  steps.forEach(([actor, input], i) => {
    d = decide(d.next, input, actor, new Date(NOW.getTime() + i * 60_000));
  });
  return d;
}
const types = (d: Decision) => d.events.map((e) => `${e.type}${e.public ? '' : '(internal)'}`);
const effects = (d: Decision) => d.effects.map((e) => e.type);
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return e.code === 'VALIDATION_FAILED' ? e.details!.map((x) => x.path).join(',') : e.code;
  }
  return 'ok';
}

const assign: [Actor, ActionInput] = [clerk, { action: 'assign', departmentCode: 'dongshan', categoryCode: 'dibao' }];
const accept: [Actor, ActionInput] = [dongshan, { action: 'accept', note: '  ' }];
const reply = (result: 'resolved' | 'explained' = 'resolved'): [Actor, ActionInput] =>
  [dongshan, { action: 'reply', reply: ' 已为您办理低保 ', result, publicSummary: '低保申请已受理' }];
const inProgress = run(registered, assign, accept).next;
const replied = run(inProgress, reply()).next;
const followup = (resolved: boolean, satisfaction: string, note?: string): ActionInput =>
  ({ action: 'record_followup', resolved, satisfaction, note }) as ActionInput;
const unhappy = followup(false, 'dissatisfied');

t.test('assign → accept → reply → satisfied follow-up → closed (resolved)', async (t) => {
  const a = run(registered, assign);
  t.match(a.next, { status: 'assigned', departmentCode: 'dongshan', categoryCode: 'dibao' });
  t.same(types(a), ['assigned']);
  t.match(a.events[0], { at: NOW, actor: { kind: 'user', id: 'clerk' }, note: null, data: { departmentCode: 'dongshan' } });
  t.same(a.effects, [
    { type: 'start_signoff_clock' },
    { type: 'notify_staff', audience: 'department', template: 'assigned', departmentCode: 'dongshan' },
  ]);
  const b = run(a.next, accept);
  t.equal(b.next.status, 'in_progress');
  t.same(types(b), ['accepted']);
  t.same(b.events[0].data, {}, 'a blank note is not stored');
  t.same(effects(b), ['stop_ladder', 'notify_resident']);
  const c = run(b.next, reply());
  t.match(c.next, { status: 'replied', replyResult: 'resolved', followupRecordedThisRound: false });
  t.match(c.events[0], {
    type: 'replied', public: true, note: '已为您办理低保',
    data: { result: 'resolved', publicSummary: '低保申请已受理' },
  });
  t.same(c.effects, [
    { type: 'stop_ladder', deadline: 'resolve' },
    { type: 'start_followup_clock' },
    { type: 'notify_resident', template: 'replied' },
  ]);
  const d = run(c.next, [clerk, followup(true, 'satisfied', '电话回访')]);
  t.match(d.next, { status: 'closed', outcome: 'resolved', satisfaction: 'satisfied', reopenCount: 0 });
  t.same(types(d), ['followed_up', 'closed']);
  t.match(d.events[0], { note: null, data: { resolved: true, reached: true, internalNote: '电话回访' } });
  t.same(d.events[1].data, { outcome: 'resolved' });
  t.same(d.effects, [{ type: 'stop_ladder', deadline: 'followUp' }, { type: 'stop_ladder', deadline: 'all' }]);
});

t.test('the routing worker assigns like a clerk', async (t) => {
  t.equal(run(registered, [system, assign[1]]).next.status, 'assigned');
});

t.test('return, then the supervisor accepts (改派) or refuses (终审)', async (t) => {
  const ret: [Actor, ActionInput] = [dongshan, { action: 'return', reasonCode: 'wrong_locality', reason: '该地址属西山村' }];
  const r = run(inProgress, ret);
  t.match(r.next, { status: 'returned', departmentCode: 'dongshan' });
  t.same(types(r), ['returned(internal)']);
  t.match(r.events[0], { note: '该地址属西山村', data: { reasonCode: 'wrong_locality', fromStatus: 'in_progress' } });
  t.same(effects(r), ['notify_staff'], 'the resolve clock keeps running; no sign-off ladder to stop');
  t.same(effects(run(run(registered, assign).next, ret)), ['stop_ladder', 'notify_staff']);

  const ok = run(r.next, [supervisor, { action: 'decide_return', accept: true, departmentCode: 'xishan' }]);
  t.match(ok.next, { status: 'assigned', departmentCode: 'xishan' });
  t.same(types(ok), ['return_decided(internal)', 'assigned']);
  t.match(ok.events[0].data, { accept: true, improper: false, fromDepartmentCode: 'dongshan' });
  t.match(ok.effects, [{ type: 'start_signoff_clock' }, { type: 'notify_staff', departmentCode: 'xishan' }]);
  t.equal(code(() => decide(ok.next, { action: 'accept' }, dongshan, NOW)), 'TICKET_NOT_FOUND');
  t.equal(code(() => decide(ok.next, { action: 'accept' }, xishan, NOW)), 'ok');

  const no = run(r.next, [supervisor, { action: 'decide_return', accept: false, note: '属本村管辖' }]);
  t.match(no.next, { status: 'assigned', departmentCode: 'dongshan' });
  t.match(no.events[0], { note: '属本村管辖', data: { accept: false, improper: true } });

  const bad = (input: ActionInput, actor = supervisor, s = r.next) => code(() => decide(s, input, actor, NOW));
  t.equal(bad({ action: 'decide_return', accept: true }), 'departmentCode');
  t.equal(bad({ action: 'decide_return', accept: true, departmentCode: 'dongshan' }), 'departmentCode');
  t.equal(bad({ action: 'decide_return', accept: false, departmentCode: 'xishan' }), 'departmentCode');
  t.equal(bad({ action: 'decide_return', accept: true, departmentCode: 'Xi Shan' }), 'departmentCode');
  t.equal(bad({ action: 'return', reasonCode: 'nope', reason: ' ' } as never, dongshan, inProgress), 'reasonCode,reason');
});

t.test('extensions: one pending at a time, 1–30 working days, before the deadline', async (t) => {
  const req = (workingDays: number): ActionInput => ({ action: 'request_extension', workingDays, reason: '需协调国土所' });
  for (const n of [0, 31, 1.5, Number.NaN]) t.equal(code(() => decide(inProgress, req(n), dongshan, NOW)), 'workingDays');
  t.equal(code(() => decide(inProgress, req(30), dongshan, DUE)), 'ok', 'at the deadline itself');
  t.equal(code(() => decide(inProgress, req(5), dongshan, new Date(DUE.getTime() + 1))), 'EXTENSION_TOO_LATE');

  const r = run(inProgress, [dongshan, req(5)]);
  t.same(r.next.pendingExtension, { workingDays: 5, reason: '需协调国土所' });
  t.equal(r.next.status, 'in_progress');
  t.same(types(r), ['extension_requested(internal)']);
  t.same(r.effects, [{ type: 'notify_staff', audience: 'supervisors', template: 'extension_requested' }]);
  t.equal(code(() => decide(r.next, req(3), dongshan, NOW)), 'EXTENSION_PENDING');
  const decideNothing: ActionInput = { action: 'decide_extension', approve: true };
  const nothing = t.throws(() => decide(inProgress, decideNothing, supervisor, NOW)) as DomainError;
  t.match(nothing, { code: 'ILLEGAL_TRANSITION', message: '该工单没有待审批的延期申请' });
  t.same(nothing.extra, { status: 'in_progress', allowedActions: ['merge', 'comment', 'report_up'] });

  const yes = run(r.next, [supervisor, { action: 'decide_extension', approve: true, note: '同意' }]);
  t.equal(yes.next.pendingExtension, null);
  t.same(yes.next.dueAt, DUE, 'the service moves dueAt, the domain only says by how much');
  t.match(yes.events, [{
    type: 'extension_decided', public: true, note: null,
    data: { approve: true, workingDays: 5, internalNote: '同意' },
  }]);
  t.same(yes.effects, [
    { type: 'move_due', workingDays: 5 },
    { type: 'notify_resident', template: 'extension_approved', data: { workingDays: 5 } },
  ]);
  t.equal(code(() => decide(yes.next, req(3), dongshan, NOW)), 'ok', 'a new request after a decision');

  const no = run(r.next, [supervisor, { action: 'decide_extension', approve: false, note: '理由不充分' }]);
  t.match(no.next, { pendingExtension: null, status: 'in_progress' });
  t.match(no.events, [{ type: 'extension_decided', public: false, note: '理由不充分', data: { approve: false } }]);
  t.notOk(effects(no).includes('move_due'));

  t.equal(run(r.next, reply()).next.pendingExtension, null, 'replying makes a pending request moot');
});

t.test('unhappy follow-ups reopen twice, then close flagged for the supervisor', async (t) => {
  const one = run(replied, [clerk, unhappy]);
  t.match(one.next, { status: 'assigned', departmentCode: 'dongshan', reopenCount: 1, outcome: null, replyResult: null });
  t.same(types(one), ['followed_up', 'reopened']);
  t.match(one.events[1].data, { reopenCount: 1, via: 'followup' });
  t.same(effects(one), ['stop_ladder', 'start_signoff_clock', 'start_resolve_clock', 'notify_staff', 'notify_resident']);

  const two = run(one.next, accept, reply(), [clerk, followup(true, 'very_dissatisfied')]);
  t.match(two.next, { status: 'assigned', reopenCount: 2 });
  t.match(two.effects.at(-1), { type: 'escalate', level: 'summons', reason: 'second_reopen' });

  const third = run(two.next, accept, reply());
  const closed = run(third.next, [clerk, unhappy]);
  t.match(closed.next, { status: 'closed', outcome: 'unresolvable', reopenCount: 2, satisfaction: 'dissatisfied' });
  t.same(types(closed), ['followed_up', 'closed']);
  t.same(closed.events[1].data, { outcome: 'unresolvable' }, 'never "resolved" against the resident');
  t.match(closed.effects.at(-1), { type: 'flag_supervisor', reason: 'reopen_limit' });

  const explained = run(two.next, accept, reply('explained'), [clerk, unhappy]);
  t.equal(explained.next.outcome, 'explained');
  const resolvedButUnhappy = run(third.next, [clerk, followup(true, 'dissatisfied')]);
  t.equal(resolvedButUnhappy.next.outcome, 'resolved', 'the resident confirmed it is solved');
  const notResolved = run(replied, [clerk, followup(false, 'satisfied')]);
  t.equal(notResolved.next.status, 'assigned', 'not resolved reopens even when satisfied');
});

t.test('not reached: unreachable and no_response close on the reply result', async (t) => {
  const u = run(replied, [supervisor, followup(false, 'unreachable')]);
  t.match(u.next, { status: 'closed', outcome: 'resolved', satisfaction: 'unreachable', reopenCount: 0 });
  t.match(u.events[0].data, { resolved: null, reached: false });
  const n = run(replied, [system, followup(false, 'no_response')]);
  t.match(n.next, { status: 'closed', satisfaction: 'no_response' });
  t.equal(n.events[0].actor.kind, 'system');
  const sat = (actor: Actor, satisfaction: string) =>
    code(() => decide(replied, followup(true, satisfaction), actor, NOW));
  t.equal(sat(clerk, 'no_response'), 'satisfaction', 'only the sweeper says no_response');
  t.equal(sat(system, 'satisfied'), 'satisfaction');
  t.equal(sat(resident, 'unreachable'), 'satisfaction', 'a resident rating reached themselves');
  t.equal(sat(clerk, 'meh'), 'satisfaction');
});

t.test('resident ratings: the first of a round wins, later ones become comments', async (t) => {
  const r = run(replied, [resident, followup(true, 'very_satisfied', '谢谢')]);
  t.match(r.next, { status: 'closed', outcome: 'resolved', followupRecordedThisRound: true });
  t.match(r.events[0], { type: 'followed_up', actor: { kind: 'resident' }, data: { by: 'resident' } });
  const late = run(r.next, [resident, unhappy]);
  t.same(late.next, r.next, 'state unchanged');
  t.match(late.events, [{ type: 'commented', public: false, data: { lateRating: true, satisfaction: 'dissatisfied' } }]);
  t.same(late.effects, []);
  const reopened = run(replied, [clerk, unhappy]).next;
  t.equal(run(reopened, [resident, unhappy]).events[0].type, 'commented', 'a rating racing the clerk');
  const nextRound = run(reopened, accept, reply()).next;
  t.equal(code(() => decide(nextRound, unhappy, resident, NOW)), 'ok', 'a new round can be rated');
});

t.test('reject needs a reason the resident will read', async (t) => {
  t.equal(code(() => decide(registered, { action: 'reject', reason: '  ' }, clerk, NOW)), 'reason');
  const r = run(registered, [clerk, { action: 'reject', reason: '属司法程序，请向法院咨询' }]);
  t.match(r.next, { status: 'closed', outcome: 'rejected' });
  t.same(types(r), ['rejected', 'closed']);
  t.equal(r.events[0].note, '属司法程序，请向法院咨询');
  t.same(r.events[1].data, { outcome: 'rejected' });
  t.same(effects(r), ['stop_ladder', 'notify_resident']);
});

t.test('merge into another ticket, never into itself', async (t) => {
  const into = generateTicketNo(NOW, '000123');
  const m = run(inProgress, [clerk, { action: 'merge', intoTicketNo: formatTicketNo(into) }]);
  t.match(m.next, { status: 'merged', outcome: 'merged' });
  t.same(types(m), ['merged'], 'merged is not closed: no closed event');
  t.same(m.events[0].data, { intoTicketNo: into });
  t.same(m.effects, [
    { type: 'merge_into', ticketNo: into },
    { type: 'stop_ladder', deadline: 'all' },
    { type: 'notify_resident', template: 'merged', data: { intoTicketNo: into } },
  ]);
  const bad = (intoTicketNo: string) => code(() => decide(inProgress, { action: 'merge', intoTicketNo }, clerk, NOW));
  t.equal(bad(formatTicketNo(NO)), 'intoTicketNo');
  t.equal(bad(into.slice(0, 14) + ((Number(into[14]) + 1) % 10)), 'intoTicketNo', 'wrong check digit');
  t.equal(bad('abc'), 'intoTicketNo');
});

t.test('a supervisor reopens a closed ticket with a reason', async (t) => {
  const closed = run(replied, [clerk, followup(true, 'satisfied')]).next;
  t.equal(code(() => decide(closed, { action: 'reopen', reason: '' }, supervisor, NOW)), 'reason');
  const r = run(closed, [supervisor, { action: 'reopen', reason: '群众再次来访' }]);
  t.match(r.next, { status: 'assigned', outcome: null, departmentCode: 'dongshan', reopenCount: 1 });
  t.match(r.events, [{ type: 'reopened', public: true, note: null, data: { via: 'supervisor', reason: '群众再次来访' } }]);
  t.ok(effects(r).includes('start_signoff_clock'));
  const rejected = run(registered, [clerk, { action: 'reject', reason: '重复' }]).next;
  t.equal(code(() => decide(rejected, { action: 'reopen', reason: '误判' }, supervisor, NOW)), 'departmentCode');
  const elsewhere = run(rejected, [supervisor, { action: 'reopen', reason: '误判', departmentCode: 'xishan' }]);
  t.equal(elsewhere.next.departmentCode, 'xishan');
});

t.test('instructions and comments', async (t) => {
  const i = run(inProgress, [leader, { action: 'instruct', note: '请三日内办结' }]);
  t.match(i.next, { status: 'in_progress', leaderAttention: true });
  t.match(i.events, [{ type: 'instructed', public: false, note: '请三日内办结' }]);
  t.same(i.effects.map((e) => 'audience' in e && e.audience), ['department', 'supervisors']);
  const pub = run(inProgress, [dongshan, { action: 'comment', note: '已安排人员', public: true }]);
  t.match(pub, { next: inProgress, events: [{ type: 'commented', public: true, note: '已安排人员' }], effects: [] });
  t.equal(run(inProgress, [leader, { action: 'comment', note: '关注', public: false }]).events[0].public, false);
  const blank = { action: 'comment', note: '', public: 'yes' } as never;
  t.equal(code(() => decide(inProgress, blank, clerk, NOW)), 'note,public');
});
