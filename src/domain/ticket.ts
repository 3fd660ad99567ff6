// The ticket lifecycle (SPEC §3) as a pure function: decide(ticket, input, actor, now) answers the
// next state, the timeline events to append and the side-effects for the service to perform, or
// throws a DomainError. No I/O and no clock: calendar arithmetic stays in the service, which turns
// `move_due` / `start_*_clock` effects into instants with the working-day calendar.
//
// Conventions of the events produced here:
// - `note` of a public event is text meant for the resident (reject reason, reply, public comment);
//   internal text on a public event goes into `data` (`internalNote`, `reason`), which only staff see.
// - Events of one decision share `at`; their array order is their timeline order.

import { DomainError } from './errors.js';
import { clean, validateInput, type ActionInput } from './ticket-input.js';
import { parseTicketNo } from './ticket-number.js';
import {
  ACTIONS,
  DISSATISFIED,
  REACHED_SATISFACTIONS,
  checkAction,
  isCoHandling,
  isLateResidentRating,
  type CoHandler,
  type Actor,
  type EventType,
  type Outcome,
  type PendingPause,
  type PendingScreening,
  type Satisfaction,
  type TicketAction,
  type TicketState,
} from './ticket-rules.js';

export {
  ACTIONS, EVENT_TYPES, SCREENING_CATEGORIES, AWAITING_REPLY_STATUSES, CLERK_WORK_STATUSES, FINISHED_STATUSES, NOTE_ACTIONS, NOT_SIGNED_OFF_STATUSES, OPEN_STATUSES,
  OUTCOMES, REPLY_RESULTS, RETURN_REASON_CODES, ROLES, SATISFACTIONS, TICKET_STATUSES, WITH_DEPARTMENT_STATUSES, allowedActions, canSee,
} from './ticket-rules.js';
export type {
  Actor, EventType, Outcome, ReplyResult, ReturnReasonCode, Role, Satisfaction, TicketAction, TicketState, TicketStatus,
} from './ticket-rules.js';
export {
  ACTION_LABELS,
  EVENT_TYPE_LABELS,
  SCREENING_LABELS,
  OUTCOME_LABELS,
  RETURN_REASON_LABELS,
  SATISFACTION_LABELS,
  STATUS_LABELS,
} from './ticket-labels.js';
export type { ActionInput } from './ticket-input.js';
export type { Deadline, Decision, Effect, ResidentTemplate, StaffTemplate, TimelineEvent } from './ticket-decision.js';
import { denialError, type Decision, type Effect, type StaffTemplate, type TimelineEvent } from './ticket-decision.js';

/** A follow-up that is "not resolved" or dissatisfied reopens while reopenCount is below this. */
export const MAX_REOPENS = 2;


/**
 * The one way a ticket changes. Throws DomainError, checked in this order: TICKET_NOT_FOUND (the
 * caller cannot see it) → FORBIDDEN (their roles never allow the action) → ILLEGAL_TRANSITION,
 * EXTENSION_PENDING or EXTENSION_TOO_LATE (not now) → VALIDATION_FAILED (the body).
 */
export function decide(ticket: TicketState, input: ActionInput, actor: Actor, now: Date): Decision {
  const action = input.action as TicketAction;
  if (!ACTIONS.includes(action)) {
    throw new DomainError('VALIDATION_FAILED', undefined, [{ path: 'action', message: '未知的操作' }]);
  }
  const denial = checkAction(ticket, action, actor, now);
  if (denial) throw denialError(denial, ticket, action, actor, now);
  validateInput(ticket, input, actor);
  return new Step(ticket, actor, now).apply(input);
}


/** Outcome of a closing follow-up: the reply's result, but never "resolved" against the resident's word. */
function closingOutcome(ticket: TicketState, resolved: boolean | null): Outcome {
  const result = ticket.replyResult ?? 'explained';
  return result === 'resolved' && resolved === false ? 'unresolvable' : result;
}

/** One decision being built: collects events and effects against a fixed actor and instant. */
class Step {
  private readonly events: TimelineEvent[] = [];
  private readonly effects: Effect[] = [];
  private next: TicketState;

  constructor(
    private readonly ticket: TicketState,
    private readonly actor: Actor,
    private readonly now: Date,
  ) {
    this.next = { ...ticket };
  }

  private event(
    type: EventType,
    isPublic: boolean,
    note: string | null,
    data: Record<string, unknown> = {},
  ): void {
    const at = new Date(this.now.getTime());
    const actor = { kind: this.actor.kind, id: this.actor.id };
    this.events.push({ type, at, actor, note, public: isPublic, data });
  }

  private effect(e: Effect): void {
    this.effects.push(e);
  }

  private set(patch: Partial<TicketState>): void {
    // Leaving in_progress makes a pending extension moot: the department answered or gave the case up.
    // So does a pending pause; a pause in force ends with the resolve clock (reply, return, merge…).
    const leaving = patch.status !== undefined && patch.status !== 'in_progress';
    this.next = { ...this.next, ...(leaving ? { pendingExtension: null, pendingPause: null, paused: false } : {}), ...patch };
  }

  private close(outcome: Outcome): void {
    this.set({ status: 'closed', outcome });
    this.event('closed', true, null, { outcome });
    this.effect({ type: 'stop_ladder', deadline: 'all' });
  }

  private notifyDepartment(template: StaffTemplate, departmentCode: string | null): void {
    if (!departmentCode) return;
    this.effect({ type: 'notify_staff', audience: 'department', template, departmentCode });
  }

  /** Back to `assigned` for another round (重办): by a follow-up or by a supervisor. */
  private reopenTo(departmentCode: string, via: 'followup' | 'supervisor', reason: string | null): void {
    const reopenCount = this.ticket.reopenCount + 1;
    this.set({ status: 'assigned', outcome: null, departmentCode, reopenCount, replyResult: null });
    this.event('reopened', true, null, { departmentCode, reopenCount, via, ...(reason ? { reason } : {}) });
    this.effect({ type: 'start_signoff_clock' });
    this.effect({ type: 'start_resolve_clock' });
    this.notifyDepartment('reopened', departmentCode);
    this.effect({ type: 'notify_resident', template: 'reopened' });
    if (reopenCount === 2) {
      this.effect({ type: 'escalate', deadline: 'resolve', level: 'summons', reason: 'second_reopen' });
    }
  }

  private setCoHandler(departmentCode: string, patch: Partial<CoHandler>): void {
    const coHandlers = (this.next.coHandlers ?? []).map((c) => (c.departmentCode === departmentCode ? { ...c, ...patch } : c));
    this.set({ coHandlers });
  }

  private result(): Decision {
    return { next: this.next, events: this.events, effects: this.effects };
  }

  apply(input: ActionInput): Decision {
    const t = this.ticket;
    switch (input.action) {
      case 'assign': {
        const categoryCode = input.categoryCode ?? t.categoryCode;
        const co = [...new Set(input.coDepartmentCodes ?? [])];
        const at = this.now.toISOString();
        const coHandlers = [...(t.coHandlers ?? []), ...co.map((departmentCode): CoHandler => ({ departmentCode, state: 'assigned', assignedAt: at }))];
        this.set({ status: 'assigned', departmentCode: input.departmentCode, categoryCode, coHandlers });
        this.event('assigned', true, null, {
          departmentCode: input.departmentCode,
          categoryCode,
          previousDepartmentCode: t.departmentCode,
          ...(co.length ? { coDepartmentCodes: co } : {}),
        });
        this.effect({ type: 'start_signoff_clock' });
        this.notifyDepartment('assigned', input.departmentCode);
        if (co.length) this.effect({ type: 'start_cohandle_clocks', departmentCodes: co });
        for (const code of co) this.notifyDepartment('cohandling_assigned', code);
        break;
      }
      case 'accept': {
        const internalNote = clean(input.note);
        if (isCoHandling(t, 'accept', this.actor)) {
          // A co-handling department signs off its part; the ticket's state is the lead's.
          const departmentCode = this.actor.departmentCode as string;
          this.setCoHandler(departmentCode, { state: 'accepted', acceptedAt: this.now.toISOString() });
          this.event('cohandling_accepted', false, internalNote, { departmentCode });
          break;
        }
        this.set({ status: 'in_progress' });
        this.event('accepted', true, null, internalNote ? { internalNote } : {});
        this.effect({ type: 'stop_ladder', deadline: 'signOff' });
        this.effect({ type: 'notify_resident', template: 'accepted' });
        break;
      }
      case 'submit_cohandling': {
        const departmentCode = this.actor.departmentCode as string;
        const answer = clean(input.note);
        this.setCoHandler(departmentCode, { state: 'answered', answeredAt: this.now.toISOString(), answer });
        this.event('cohandling_submitted', false, answer, { departmentCode });
        this.effect({ type: 'stop_cohandle_clock', departmentCode });
        this.notifyDepartment('cohandling_submitted', t.departmentCode);
        break;
      }
      case 'waive_cohandling': {
        const reason = clean(input.reason);
        this.setCoHandler(input.departmentCode, { state: 'waived', waivedAt: this.now.toISOString(), waiveReason: reason });
        this.event('cohandling_waived', false, reason, { departmentCode: input.departmentCode });
        this.effect({ type: 'stop_cohandle_clock', departmentCode: input.departmentCode });
        break;
      }
      case 'return':
        this.set({ status: 'returned' });
        this.event('returned', false, clean(input.reason), {
          reasonCode: input.reasonCode,
          departmentCode: t.departmentCode,
          fromStatus: t.status,
        });
        if (t.status === 'assigned') this.effect({ type: 'stop_ladder', deadline: 'signOff' });
        this.effect({ type: 'notify_staff', audience: 'supervisors', template: 'returned' });
        break;
      case 'decide_return': {
        // A refused return (终审) sends the ticket back and counts as an improper return (SPEC §6).
        const departmentCode = input.accept ? (input.departmentCode as string) : (t.departmentCode as string);
        this.set({ status: 'assigned', departmentCode });
        this.event('return_decided', false, clean(input.note), {
          accept: input.accept,
          improper: !input.accept,
          fromDepartmentCode: t.departmentCode,
          departmentCode,
        });
        this.event('assigned', true, null, {
          departmentCode,
          categoryCode: t.categoryCode,
          previousDepartmentCode: t.departmentCode,
        });
        this.effect({ type: 'start_signoff_clock' });
        this.notifyDepartment('assigned', departmentCode);
        break;
      }
      case 'request_extension': {
        const pendingExtension = { workingDays: input.workingDays, reason: clean(input.reason) as string };
        this.set({ pendingExtension });
        this.event('extension_requested', false, pendingExtension.reason, {
          workingDays: input.workingDays,
          dueAt: t.dueAt.toISOString(),
        });
        this.effect({ type: 'notify_staff', audience: 'supervisors', template: 'extension_requested' });
        break;
      }
      case 'decide_extension': {
        const workingDays = t.pendingExtension?.workingDays ?? 0;
        const note = clean(input.note);
        this.set({ pendingExtension: null });
        if (input.approve) {
          // The resident sees the approval (their deadline moved); the supervisor's note stays internal.
          const internal = note ? { internalNote: note } : {};
          this.event('extension_decided', true, null, { approve: true, workingDays, ...internal });
          this.effect({ type: 'move_due', workingDays });
          this.effect({ type: 'notify_resident', template: 'extension_approved', data: { workingDays } });
        } else {
          this.event('extension_decided', false, note, { approve: false, workingDays });
          this.notifyDepartment('extension_refused', t.departmentCode);
        }
        break;
      }
      case 'reply':
        this.set({ status: 'replied', replyResult: input.result, followupRecordedThisRound: false });
        this.event('replied', true, clean(input.reply), {
          result: input.result,
          publicSummary: clean(input.publicSummary),
        });
        this.effect({ type: 'stop_ladder', deadline: 'resolve' });
        this.effect({ type: 'start_followup_clock' });
        this.effect({ type: 'notify_resident', template: 'replied' });
        break;
      case 'record_followup':
        this.followup(input.resolved, input.satisfaction, clean(input.note));
        break;
      case 'reject':
        this.event('rejected', true, clean(input.reason), {});
        this.close('rejected');
        this.effect({ type: 'notify_resident', template: 'rejected' });
        break;
      case 'merge': {
        const parsed = parseTicketNo(input.intoTicketNo);
        const intoTicketNo = parsed.ok ? parsed.ticketNo : input.intoTicketNo;
        this.set({ status: 'merged', outcome: 'merged' });
        this.event('merged', true, null, { intoTicketNo });
        this.effect({ type: 'merge_into', ticketNo: intoTicketNo });
        this.effect({ type: 'stop_ladder', deadline: 'all' });
        this.effect({ type: 'notify_resident', template: 'merged', data: { intoTicketNo } });
        break;
      }
      case 'reopen':
        // validateInput guarantees a department: the ticket's own or the one named in the body.
        this.reopenTo(
          (input.departmentCode ?? t.departmentCode) as string,
          'supervisor',
          clean(input.reason),
        );
        break;
      case 'comment':
        this.event('commented', input.public, clean(input.note), {});
        break;
      case 'request_pause': {
        if (input.until && new Date(input.until).getTime() <= this.now.getTime()) {
          throw new DomainError('VALIDATION_FAILED', undefined, [{ path: 'until', message: '预计恢复时间须晚于现在' }]);
        }
        const pendingPause = { reason: clean(input.reason) as string, until: input.until ?? null };
        this.set({ pendingPause });
        this.event('pause_requested', false, pendingPause.reason, { until: pendingPause.until, dueAt: t.dueAt.toISOString() });
        this.effect({ type: 'notify_staff', audience: 'supervisors', template: 'pause_requested' });
        break;
      }
      case 'decide_pause': {
        const pending = t.pendingPause as PendingPause;
        this.set({ pendingPause: null, paused: input.approve });
        if (input.approve) {
          // The resident sees the pause and its reason (SPEC §18); the supervisor's note stays internal.
          const note = clean(input.note);
          this.event('pause_decided', true, pending.reason, { approve: true, until: pending.until, ...(note ? { internalNote: note } : {}) });
          this.effect({ type: 'pause_clock' });
        } else {
          this.event('pause_decided', false, clean(input.note), { approve: false });
        }
        this.notifyDepartment('pause_decided', t.departmentCode);
        break;
      }
      case 'resume':
        this.set({ paused: false });
        this.event('resumed', true, null, { ...(clean(input.note) ? { internalNote: clean(input.note) } : {}) });
        this.effect({ type: 'resume_clock' });
        break;
      case 'request_screening': {
        const pendingScreening = { category: input.category, reason: clean(input.reason) as string };
        this.set({ pendingScreening });
        this.event('screening_requested', false, pendingScreening.reason, { category: input.category });
        this.effect({ type: 'notify_staff', audience: 'supervisors', template: 'screening_requested' });
        break;
      }
      case 'decide_screening': {
        const pending = t.pendingScreening as PendingScreening;
        this.set({ pendingScreening: null, ...(input.approve ? { screeningCategory: pending.category } : {}) });
        this.event('screening_decided', false, clean(input.note), { approve: input.approve, category: pending.category, reason: pending.reason });
        this.notifyDepartment('screening_decided', t.departmentCode);
        break;
      }
      case 'report_up':
        this.set({ reportedUp: true });
        this.event('reported_up', false, clean(input.reason), {});
        this.effect({ type: 'notify_staff', audience: 'supervisors', template: 'reported_up' });
        break;
      case 'instruct':
        this.set({ leaderAttention: true });
        this.event('instructed', false, clean(input.note), input.resolveWithin ? { resolveWithin: input.resolveWithin } : {});
        if (input.resolveWithin) this.effect({ type: 'shorten_resolve', within: input.resolveWithin });
        this.notifyDepartment('instructed', t.departmentCode);
        this.effect({ type: 'notify_staff', audience: 'supervisors', template: 'instructed' });
        break;
    }
    return this.result();
  }

  /**
   * A follow-up (回访), by staff, by the resident's public rating or by the no-response sweeper.
   * - Not reached (`unreachable`, `no_response`): `resolved` cannot be known and is ignored; the
   *   ticket closes on the reply's result and counts as followed-up-not-reached.
   * - Reached, resolved and not dissatisfied: closes on the reply's result.
   * - Reached and "not resolved" or dissatisfied: reopens to the same department while
   *   reopenCount < MAX_REOPENS; after that it closes and is flagged for the supervisor, with
   *   outcome `unresolvable` instead of a `resolved` the resident just contradicted.
   * A resident's rating after the round was already followed up is kept as an internal comment.
   */
  private followup(resolvedInput: boolean, satisfaction: Satisfaction, note: string | null): void {
    const t = this.ticket;
    const reached = (REACHED_SATISFACTIONS as readonly string[]).includes(satisfaction);
    const resolved = reached ? resolvedInput : null;
    if (isLateResidentRating(t, 'record_followup', this.actor)) {
      this.event('commented', false, note, { lateRating: true, resolved, satisfaction });
      return;
    }
    this.set({ satisfaction, followupRecordedThisRound: true });
    this.event('followed_up', true, null, {
      resolved,
      satisfaction,
      reached,
      round: t.reopenCount,
      by: this.actor.kind,
      ...(note ? { internalNote: note } : {}),
    });
    this.effect({ type: 'stop_ladder', deadline: 'followUp' });
    const unhappy = reached && (resolved === false || DISSATISFIED.includes(satisfaction));
    if (!unhappy) {
      this.close(closingOutcome(t, resolved));
    } else if (t.reopenCount < MAX_REOPENS) {
      this.reopenTo(t.departmentCode as string, 'followup', null);
    } else {
      this.close(closingOutcome(t, resolved));
      this.effect({ type: 'flag_supervisor', reason: 'reopen_limit' });
    }
  }
}
