// The two tables that say who may do what and from which state, and the predicates over them.
// decide() and allowedActions() both read these, so the 409 body's "actions allowed now" can never
// disagree with what decide() actually accepts. The vocabulary they speak is
// src/domain/ticket-vocabulary.ts, re-exported here so callers keep one import.
export * from './ticket-vocabulary.js';
import type { Role } from './roles.js';
import { TICKET_STATUSES, OPEN_STATUSES, AWAITING_REPLY_STATUSES, COHANDLING_STATUSES, ACTIONS, pendingCoHandlers, type TicketStatus, type TicketAction, type Actor, type TicketState, type CoHandler } from './ticket-vocabulary.js';
/** Where each action may start (SPEC §3 "from"). */
export const ACTION_FROM: Record<TicketAction, readonly TicketStatus[]> = {
  assign: ['registered', 'returned'],
  accept: ['assigned'],
  return: ['assigned', 'in_progress'],
  decide_return: ['returned'],
  request_extension: ['in_progress'],
  decide_extension: ['in_progress'],
  reply: ['in_progress'],
  record_followup: ['replied'],
  reject: ['registered', 'returned'],
  merge: ['registered', 'assigned', 'in_progress', 'returned'],
  reopen: ['closed'],
  comment: TICKET_STATUSES,
  instruct: OPEN_STATUSES,
  request_pause: ['in_progress'],
  decide_pause: ['in_progress'],
  resume: ['in_progress'],
  request_screening: ['in_progress'],
  decide_screening: ['in_progress', 'replied'],
  report_up: AWAITING_REPLY_STATUSES,
  submit_cohandling: COHANDLING_STATUSES,
  waive_cohandling: COHANDLING_STATUSES,
};

/**
 * Staff roles that may perform each action. `handler` counts only for a ticket of the handler's own
 * department. `admin` appears nowhere: admins configure the system and may read every ticket, but
 * a lone admin role cannot change one, not even by a comment (the audit trail of a ticket should
 * only hold people who work the case).
 */
export const ACTION_ROLES: Record<TicketAction, readonly Role[]> = {
  assign: ['clerk', 'supervisor'],
  accept: ['handler'],
  return: ['handler'],
  decide_return: ['supervisor'],
  request_extension: ['handler'],
  decide_extension: ['supervisor'],
  reply: ['handler'],
  record_followup: ['clerk', 'supervisor'],
  reject: ['clerk', 'supervisor'],
  merge: ['clerk', 'supervisor'],
  reopen: ['supervisor'],
  comment: ['clerk', 'handler', 'supervisor', 'leader', 'grid'],
  instruct: ['leader'],
  request_pause: ['handler'],
  decide_pause: ['supervisor'],
  resume: ['handler', 'supervisor'],
  request_screening: ['handler'],
  decide_screening: ['supervisor'],
  report_up: ['supervisor'],
  submit_cohandling: ['handler'],
  waive_cohandling: ['supervisor'],
};

/** What a co-handling department's handler may do on the ticket (SPEC §18). */
export const COHANDLER_ACTIONS: readonly TicketAction[] = ['accept', 'submit_cohandling', 'comment'];

/** Notes on a ticket, not work on it: they never make a ticket wait in someone's inbox. */
export const NOTE_ACTIONS: readonly TicketAction[] = ['instruct', 'comment'];

/** Workers: the routing worker assigns, the sweeper closes with `no_response`. */
export const SYSTEM_ACTIONS: readonly TicketAction[] = ['assign', 'record_followup'];
/** A verified resident can only rate the answer (public feedback = a follow-up). */
export const RESIDENT_ACTIONS: readonly TicketAction[] = ['record_followup'];

function isOwnDepartmentHandler(ticket: { departmentCode: string | null }, actor: Actor): boolean {
  return (
    actor.roles.includes('handler') &&
    actor.departmentCode !== null &&
    ticket.departmentCode !== null &&
    actor.departmentCode === ticket.departmentCode
  );
}

/** Roles that see only part of the tickets: their department's, or what they registered. */
export const SCOPED_ROLES: readonly Role[] = ['handler', 'grid'];

function isOwnRegistration(ticket: { registeredBy?: string | null }, actor: Actor): boolean {
  return actor.kind === 'user' && actor.roles.includes('grid') && !!ticket.registeredBy && ticket.registeredBy === actor.id;
}

/**
 * Staff visibility: a handler sees only tickets of their own department (an unassigned ticket
 * belongs to none), a grid worker only the tickets they registered; clerks, supervisors, leaders
 * and admins see all (whatever other role they also hold). Residents never get the staff view
 * (their access is the verified public lookup); workers see everything.
 */
export function canSee(
  ticket: { departmentCode: string | null; registeredBy?: string | null; coHandlers?: readonly Pick<CoHandler, 'departmentCode'>[] },
  actor: Actor,
): boolean {
  if (actor.kind === 'system') return true;
  if (actor.kind === 'resident') return false;
  if (actor.roles.some((r) => !SCOPED_ROLES.includes(r))) return true;
  return isOwnDepartmentHandler(ticket, actor) || coHandlerOf(ticket, actor) !== null || isOwnRegistration(ticket, actor);
}

/** The actor's department's co-handling entry when they are a handler of a co-handling department. */
export function coHandlerOf<C extends Pick<CoHandler, 'departmentCode'>>(ticket: { coHandlers?: readonly C[] }, actor: Actor): C | null {
  if (!actor.roles.includes('handler') || actor.departmentCode === null) return null;
  return ticket.coHandlers?.find((c) => c.departmentCode === actor.departmentCode) ?? null;
}

/** A co-handling department's handler signing off or answering (not the lead department's). */
export function isCoHandling(ticket: TicketState, action: TicketAction, actor: Actor): boolean {
  return (action === 'accept' || action === 'submit_cohandling') && !isOwnDepartmentHandler(ticket, actor) && coHandlerOf(ticket, actor) !== null;
}

/** Whether the actor's roles let them take this action on this ticket in some state. */
export function mayAct(ticket: TicketState, action: TicketAction, actor: Actor): boolean {
  if (actor.kind === 'system') return SYSTEM_ACTIONS.includes(action);
  if (actor.kind === 'resident') return RESIDENT_ACTIONS.includes(action);
  const ownHandler = isOwnDepartmentHandler(ticket, actor);
  // The department that answered must not check its own answer, whatever other role it holds.
  if (action === 'record_followup' && ownHandler) return false;
  // A handler acts for the lead department; a co-handling department's handler only signs off,
  // answers its part and comments (SPEC §18); the lead never answers as a co-handler.
  const coHandler = coHandlerOf(ticket, actor) !== null && COHANDLER_ACTIONS.includes(action);
  const asHandler = action === 'submit_cohandling' ? coHandler && !ownHandler : ownHandler || coHandler;
  return ACTION_ROLES[action].some((role) =>
    role === 'handler' ? asHandler : actor.roles.includes(role),
  );
}

/**
 * Refinements of the state check, each reported as ILLEGAL_TRANSITION with its own message
 * (REFINEMENT_MESSAGES): the state allows the action but the ticket's pending requests do not.
 */
export const REFINEMENT_MESSAGES = {
  NO_PENDING_EXTENSION: '该工单没有待审批的延期申请',
  PAUSE_PENDING: '该工单已有待审批的中止计时申请',
  ALREADY_PAUSED: '该工单正在中止计时',
  PAUSE_TOO_LATE: '已超过办理期限，不能申请中止计时',
  NO_PENDING_PAUSE: '该工单没有待审批的中止计时申请',
  NOT_PAUSED: '该工单没有在中止计时',
  SCREENING_PENDING: '该工单已有待审批的甄别申请或已甄别',
  NO_PENDING_SCREENING: '该工单没有待审批的甄别申请',
  ALREADY_REPORTED_UP: '该工单已上报',
  COHANDLING_ACCEPTED: '本单位已签收协办',
  COHANDLING_NOT_ACCEPTED: '请先签收协办',
  COHANDLING_DONE: '本单位的协办意见已提交或已免除',
  NO_PENDING_COHANDLING: '该工单没有待反馈的协办单位',
} as const;
export type Refinement = keyof typeof REFINEMENT_MESSAGES;

export type Denial =
  | 'TICKET_NOT_FOUND'
  | 'FORBIDDEN'
  | 'ILLEGAL_TRANSITION'
  | 'EXTENSION_PENDING'
  | 'EXTENSION_TOO_LATE'
  | 'COHANDLING_PENDING'
  | Refinement;

/**
 * Why this actor may not take this action now, or null when they may. Precedence:
 * visibility (404) → role (403) → state (409). The role check comes before the state check so
 * that 403 is a stable fact about the caller ("you never do this"), and a 409's list of
 * allowed actions is only ever shown to someone who could act on the ticket at some point.
 * Extension conditions are refinements of the state check and come last; the deadline is only
 * checked when `now` is given.
 */
export function checkAction(
  ticket: TicketState,
  action: TicketAction,
  actor: Actor,
  now?: Date,
): Denial | null {
  if (actor.kind === 'user' && !canSee(ticket, actor)) return 'TICKET_NOT_FOUND';
  if (!mayAct(ticket, action, actor)) return 'FORBIDDEN';
  if (isLateResidentRating(ticket, action, actor)) return null;
  if (isCoHandling(ticket, action, actor)) return coHandlingDenial(ticket, action, actor);
  if (!ACTION_FROM[action].includes(ticket.status)) return 'ILLEGAL_TRANSITION';
  if (action === 'request_extension') {
    if (ticket.pendingExtension) return 'EXTENSION_PENDING';
    if (now && now.getTime() > ticket.dueAt.getTime()) return 'EXTENSION_TOO_LATE';
  }
  if (action === 'decide_extension' && !ticket.pendingExtension) return 'NO_PENDING_EXTENSION';
  return refinement(ticket, action, now);
}

/** A co-handling department's sign-off and answer: while the reply is awaited, each once, in order. */
function coHandlingDenial(ticket: TicketState, action: TicketAction, actor: Actor): Denial | null {
  if (!COHANDLING_STATUSES.includes(ticket.status)) return 'ILLEGAL_TRANSITION';
  const state = (coHandlerOf(ticket, actor) as CoHandler).state;
  if (action === 'accept') return state === 'assigned' ? null : 'COHANDLING_ACCEPTED';
  if (state === 'assigned') return 'COHANDLING_NOT_ACCEPTED';
  return state === 'accepted' ? null : 'COHANDLING_DONE';
}

/** SPEC §18 conditions on pending requests and flags; the deadline only when `now` is given. */
function refinement(ticket: TicketState, action: TicketAction, now?: Date): Denial | null {
  switch (action) {
    case 'reply':
      return pendingCoHandlers(ticket).length > 0 ? 'COHANDLING_PENDING' : null;
    case 'waive_cohandling':
      return pendingCoHandlers(ticket).length > 0 ? null : 'NO_PENDING_COHANDLING';
    case 'request_pause':
      if (ticket.paused) return 'ALREADY_PAUSED';
      if (ticket.pendingPause) return 'PAUSE_PENDING';
      if (now && now.getTime() > ticket.dueAt.getTime()) return 'PAUSE_TOO_LATE';
      return null;
    case 'decide_pause':
      return ticket.pendingPause ? null : 'NO_PENDING_PAUSE';
    case 'resume':
      return ticket.paused ? null : 'NOT_PAUSED';
    case 'request_screening':
      return ticket.pendingScreening || ticket.screeningCategory ? 'SCREENING_PENDING' : null;
    case 'decide_screening':
      return ticket.pendingScreening ? null : 'NO_PENDING_SCREENING';
    case 'report_up':
      return ticket.reportedUp ? 'ALREADY_REPORTED_UP' : null;
    default:
      return null;
  }
}

/** A resident rating a reply round whose follow-up is already recorded: kept as a comment. */
export function isLateResidentRating(
  ticket: TicketState,
  action: TicketAction,
  actor: Actor,
): boolean {
  return (
    actor.kind === 'resident' &&
    action === 'record_followup' &&
    ticket.status !== 'replied' &&
    ticket.followupRecordedThisRound === true
  );
}

/** Actions this actor may take now, in ACTIONS order (the ticket page's buttons, the 409 body). */
export function allowedActions(ticket: TicketState, actor: Actor, now?: Date): TicketAction[] {
  return ACTIONS.filter((a) => checkAction(ticket, a, actor, now) === null);
}
