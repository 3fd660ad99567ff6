// What decide() answers (SPEC §3): the timeline events to append, the effects for the service to
// carry out (SMS, staff notices, clocks, routing, the 12345 report), and, when the action is refused,
// the DomainError that says why and what is allowed now. Pure data.
import { DomainError } from './errors.js';
import type { Duration } from './calendar.js';
import { ACTION_LABELS, STATUS_LABELS } from './ticket-labels.js';
import { REFINEMENT_MESSAGES, allowedActions, pendingCoHandlers, type Actor, type EventType, type TicketAction, type TicketState, type Denial, type Refinement } from './ticket-rules.js';

export interface TimelineEvent {
  type: EventType;
  at: Date;
  actor: { kind: Actor['kind']; id: string | null };
  note: string | null;
  public: boolean;
  data: Record<string, unknown>;
}

export type Deadline = 'signOff' | 'resolve' | 'followUp';
export type ResidentTemplate =
  | 'accepted'
  | 'extension_approved'
  | 'replied'
  | 'rejected'
  | 'merged'
  | 'reopened';
export type StaffTemplate =
  | 'assigned'
  | 'returned'
  | 'extension_requested'
  | 'extension_refused'
  | 'reopened'
  | 'instructed'
  | 'pause_requested'
  | 'pause_decided'
  | 'screening_requested'
  | 'screening_decided'
  | 'reported_up'
  | 'cohandling_assigned'
  | 'cohandling_submitted';

/** Side-effects the service performs in the same transaction (outbox rows, deadlines, flags). */
export type Effect =
  | { type: 'notify_resident'; template: ResidentTemplate; data?: Record<string, unknown> }
  /** `department`: the handlers of `departmentCode`; `supervisors`: the supervision office. */
  | {
      type: 'notify_staff';
      audience: 'department' | 'supervisors';
      template: StaffTemplate;
      departmentCode?: string;
    }
  /** Sign-off due one working day from now; replaces any running sign-off ladder. */
  | { type: 'start_signoff_clock' }
  /** After a reopen: a fresh resolve limit for the ticket's kind/category, counted from now. */
  | { type: 'start_resolve_clock' }
  /** Follow-up due after the reply (and the 7-day no-response close). */
  | { type: 'start_followup_clock' }
  | { type: 'stop_ladder'; deadline: Deadline | 'all' }
  /** SPEC §18: the resolve clock stops; on resume its due instant moves on by the working time paused. */
  | { type: 'pause_clock' }
  | { type: 'resume_clock' }
  /** SPEC §18: each co-handling department's co_handle deadline starts, or stops once answered/waived. */
  | { type: 'start_cohandle_clocks'; departmentCodes: string[] }
  | { type: 'stop_cohandle_clock'; departmentCode: string }
  /** SPEC §18: a leader's instruction shortens the resolve limit (counted from the clock's start). */
  | { type: 'shorten_resolve'; within: Duration }
  /** Move dueAt by this many working days (approved extension) and re-plan its ladder. */
  | { type: 'move_due'; workingDays: number }
  | { type: 'flag_supervisor'; reason: 'reopen_limit' }
  /** SPEC §7: the second reopen escalates straight to 约谈. */
  | { type: 'escalate'; deadline: 'resolve'; level: 'summons'; reason: 'second_reopen' }
  /** The surviving ticket (the service checks it exists and is not itself merged). */
  | { type: 'merge_into'; ticketNo: string };

export interface Decision {
  next: TicketState;
  events: TimelineEvent[];
  effects: Effect[];
}

/** The 409/403 a refused action answers: which refinement, or the state and what is allowed now. */
export function denialError(
  denial: Denial,
  ticket: TicketState,
  action: TicketAction,
  actor: Actor,
  now: Date,
): DomainError {
  if (denial === 'COHANDLING_PENDING') {
    // SPEC §18: the lead's reply waits for every co-handling answer, naming who is awaited.
    const departments = pendingCoHandlers(ticket).map((c) => c.departmentCode);
    return new DomainError('COHANDLING_PENDING', `协办单位尚未全部反馈意见（${departments.join('、')}），暂不能答复`, undefined, { departments });
  }
  const refined = denial in REFINEMENT_MESSAGES;
  if (denial !== 'ILLEGAL_TRANSITION' && !refined) {
    return new DomainError(denial);
  }
  // Deciding a request nobody made is a 409 like any other action the state does not allow.
  const message = refined
    ? REFINEMENT_MESSAGES[denial as Refinement]
    : `工单当前状态为“${STATUS_LABELS[ticket.status]}”，不能${ACTION_LABELS[action]}`;
  return new DomainError('ILLEGAL_TRANSITION', message, undefined, {
    status: ticket.status,
    allowedActions: allowedActions(ticket, actor, now),
  });
}
