// The vocabulary of the ticket lifecycle (SPEC §3, §18): states and their groups, actions, outcomes,
// satisfactions, event types, the actor and the ticket state decide() reads. Pure data; the rules
// over it (who may do what, from which state) are src/domain/ticket-rules.ts.
import { ROLES, type Role } from './roles.js';
export const TICKET_STATUSES = [
  'registered',
  'assigned',
  'in_progress',
  'returned',
  'replied',
  'closed',
  'merged',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Statuses in which a ticket still awaits work ("any open" in SPEC §3). */
export const OPEN_STATUSES: readonly TicketStatus[] = [
  'registered',
  'assigned',
  'in_progress',
  'returned',
  'replied',
];

/**
 * Statuses in which the resolve deadline runs: the ticket awaits its reply (SPEC §3, §7). Overdue,
 * the ladder, the statistics' "overdue open" and the notice's "overdue" all mean this set.
 */
export const AWAITING_REPLY_STATUSES: readonly TicketStatus[] = ['registered', 'assigned', 'in_progress', 'returned'];

/** Statuses in which co-handling departments work (sign off, answer): while the reply is awaited. */
export const COHANDLING_STATUSES: readonly TicketStatus[] = ['assigned', 'in_progress', 'returned'];

/** Statuses in which a department holds the ticket: its handlers' inbox, the unstaffed board. */
export const WITH_DEPARTMENT_STATUSES: readonly TicketStatus[] = ['assigned', 'in_progress'];

/** Assigned but not signed off (a return goes back before acceptance): the notice's sign-off count. */
export const NOT_SIGNED_OFF_STATUSES: readonly TicketStatus[] = ['assigned', 'returned'];

/** Statuses that end a ticket's life: closed itself, or merged into another. */
export const FINISHED_STATUSES: readonly TicketStatus[] = ['closed', 'merged'];

/** The clerk's inbox: tickets to assign and replies waiting for the follow-up call. */
export const CLERK_WORK_STATUSES: readonly TicketStatus[] = ['registered', 'replied'];

export { ROLES, type Role };

export const ACTIONS = [
  'assign',
  'accept',
  'return',
  'decide_return',
  'request_extension',
  'decide_extension',
  'reply',
  'record_followup',
  'reject',
  'merge',
  'reopen',
  'comment',
  'instruct',
  // SPEC §18
  'request_pause',
  'decide_pause',
  'resume',
  'request_screening',
  'decide_screening',
  'report_up',
  'submit_cohandling',
  'waive_cohandling',
] as const;
export type TicketAction = (typeof ACTIONS)[number];

export const OUTCOMES = ['resolved', 'explained', 'rejected', 'unresolvable', 'merged'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What a department may answer in `reply`; the rest of the outcomes come from other actions. */
export const REPLY_RESULTS = ['resolved', 'explained', 'unresolvable'] as const;
export type ReplyResult = (typeof REPLY_RESULTS)[number];

/** The GB/T 39735 five levels: the resident was reached and answered. */
export const REACHED_SATISFACTIONS = ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied'] as const;
export const SATISFACTIONS = [...REACHED_SATISFACTIONS, 'unreachable', 'no_response'] as const;
export type Satisfaction = (typeof SATISFACTIONS)[number];
/** Levels that send the ticket back to the department (重办). */
export const DISSATISFIED: readonly Satisfaction[] = ['dissatisfied', 'very_dissatisfied'];

/** Why a ticket leaves the 三率 denominators (甄别, SPEC §18). */
export const SCREENING_CATEGORIES = ['unreasonable', 'repeated', 'outside_scope', 'legal_process', 'other'] as const;
export type ScreeningCategory = (typeof SCREENING_CATEGORIES)[number];

export const RETURN_REASON_CODES = ['wrong_locality', 'wrong_function', 'unclear_ownership', 'other'] as const;
export type ReturnReasonCode = (typeof RETURN_REASON_CODES)[number];

export const EVENT_TYPES = [
  'registered',
  'assigned',
  'accepted',
  'returned',
  'return_decided',
  'extension_requested',
  'extension_decided',
  'replied',
  'followed_up',
  'reopened',
  'rejected',
  'merged',
  'commented',
  'instructed',
  'closed',
  'escalation',
  'notified',
  // SPEC §18
  'pause_requested',
  'pause_decided',
  'resumed',
  'screening_requested',
  'screening_decided',
  'reported_up',
  'deadline_changed',
  'cohandling_accepted',
  'cohandling_submitted',
  'cohandling_waived',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Who is acting. `user` is a staff member; `resident` is someone who passed the public lookup's
 * verification (the service checks number + phone/access code before calling decide); `system`
 * is a worker (routing, the no-response sweeper).
 */
export interface Actor {
  kind: 'user' | 'resident' | 'system';
  id: string | null;
  roles: Role[];
  departmentCode: string | null;
}

export interface PendingExtension {
  workingDays: number;
  reason: string;
}

/** The part of a ticket the lifecycle reasons about; the service loads and stores it. */
export interface TicketState {
  /** Canonical 15 digits; needed to refuse merging a ticket into itself. */
  ticketNo: string;
  status: TicketStatus;
  /** Set exactly when status is `closed` or `merged`. */
  outcome: Outcome | null;
  departmentCode: string | null;
  categoryCode: string | null;
  /** Every 重办 so far, by follow-up or by a supervisor's reopen. */
  reopenCount: number;
  pendingExtension: PendingExtension | null;
  /** The resolve deadline in force; the service moves it (`move_due`), decide only reads it. */
  dueAt: Date;
  leaderAttention: boolean;
  /** The `result` of the latest reply; null until replied and again after a reopen. */
  replyResult: ReplyResult | null;
  /** The latest follow-up's answer. */
  satisfaction: Satisfaction | null;
  /**
   * True once the latest reply round has had its follow-up. Lets a resident's late rating (after a
   * clerk's follow-up, or a second rating racing the first) be kept as a comment instead of a 409.
   */
  followupRecordedThisRound?: boolean;
  /** users.id of who registered it: a grid worker sees only their own (SPEC §17). */
  registeredBy?: string | null;
  /** SPEC §18: a pause (中止计时) awaiting the supervisor, and whether one is in force. */
  pendingPause?: PendingPause | null;
  paused?: boolean;
  /** SPEC §18: a screening (甄别) awaiting the supervisor, and the category once approved. */
  pendingScreening?: PendingScreening | null;
  screeningCategory?: ScreeningCategory | null;
  /** SPEC §18: reported up (上报/吹哨) by a supervisor. */
  reportedUp?: boolean;
  /** SPEC §18: the co-handling (协办) departments and where each stands. */
  coHandlers?: CoHandler[];
}

export const COHANDLER_STATES = ['assigned', 'accepted', 'answered', 'waived'] as const;
export type CoHandlerState = (typeof COHANDLER_STATES)[number];

/** One co-handling department of a ticket (instants as ISO strings: the row stores it as JSON). */
export interface CoHandler {
  departmentCode: string;
  state: CoHandlerState;
  assignedAt: string;
  acceptedAt?: string | null;
  answeredAt?: string | null;
  answer?: string | null;
  /** Answered by its co_handle deadline (stamped by the service, which holds the deadline rows). */
  onTime?: boolean | null;
  waivedAt?: string | null;
  waiveReason?: string | null;
}

/** Co-handling departments whose answer the lead's reply still waits for. */
export function pendingCoHandlers(ticket: Pick<TicketState, 'coHandlers'>): CoHandler[] {
  return (ticket.coHandlers ?? []).filter((c) => c.state === 'assigned' || c.state === 'accepted');
}

export interface PendingPause {
  reason: string;
  /** When the handler expects to resume (ISO instant), if they said. */
  until: string | null;
}

export interface PendingScreening {
  category: ScreeningCategory;
  reason: string;
}

/** Where a ticket came from (SPEC §15; the CHECK of migration 0012). */
export const TICKET_SOURCES = ['local', 'hotline_12345', 'open311', 'wechat', 'import'] as const;
export type TicketSource = (typeof TICKET_SOURCES)[number];
