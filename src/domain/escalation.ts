// A ticket's deadlines as rows (SPEC §7, §18), as pure rules: which deadlines are open in a state,
// where each one's ladder stands, which steps a moment has passed, and who hears of each step.
// services/escalation.service.ts applies them under the ticket's row lock and writes what they
// decide; services/actions.service.ts re-plans them after every action.
import { dueSteps, ladderOf, ladderTimes, nextStepAt, type DeadlineKind, type Level } from './deadlines.js';
import { addWorkingMs, workingMsBetween, type WorkCalendar } from './calendar.js';
import type { SlaPolicy } from './sla.js';
import { AWAITING_REPLY_STATUSES } from './ticket-rules.js';

/** The kinds of deadline rows (SPEC §18 `deadlines[].kind`). */
export const DEADLINE_ROW_KINDS = ['sign_off', 'resolve', 'co_handle', 'follow_up'] as const;
export type DeadlineRowKind = (typeof DEADLINE_ROW_KINDS)[number];

/** The ladder each kind climbs; a follow-up deadline has none (the 7-day close is its own rule). */
export const LADDER_OF: Record<DeadlineRowKind, DeadlineKind | null> = {
  sign_off: 'signOff',
  resolve: 'resolve',
  co_handle: 'coHandle',
  follow_up: null,
};

export const DEADLINE_KIND_LABELS: Record<DeadlineRowKind, string> = {
  sign_off: '签收期限',
  resolve: '办理期限',
  co_handle: '协办期限',
  follow_up: '回访期限',
};

/** One deadline row as the rules read it. */
export interface DeadlineRecord {
  /** null: not stored yet. */
  id: string | null;
  kind: DeadlineRowKind;
  departmentCode: string | null;
  startedAt: Date;
  dueAt: Date;
  level: Level | null;
  /** A pause (中止计时) in force since this instant: no step falls due while it lasts. */
  pausedAt: Date | null;
  /** Working time paused so far (ms), already added to dueAt. */
  pausedMs: number;
  nextStepAt: Date | null;
}

/** The key that makes an open row unique on its ticket (migration 0019). */
export const deadlineKey = (d: Pick<DeadlineRecord, 'kind' | 'departmentCode'>): string =>
  d.kind === 'co_handle' ? `${d.kind}:${d.departmentCode ?? ''}` : d.kind;

const RESOLVE_OPEN = new Set<string>(AWAITING_REPLY_STATUSES);

/**
 * Whether a deadline of this kind may stay open in this state: the resolve deadline while the
 * reply is awaited, the sign-off deadline while assigned and not accepted, the follow-up deadline
 * while replied; co-handling deadlines while the lead works (assigned or in progress).
 */
export function openInState(kind: DeadlineRowKind, status: string): boolean {
  switch (kind) {
    case 'resolve':
      return RESOLVE_OPEN.has(status);
    case 'sign_off':
      return status === 'assigned';
    case 'follow_up':
      return status === 'replied';
    case 'co_handle':
      // Co-handling departments work while the reply is awaited, a return notwithstanding.
      return RESOLVE_OPEN.has(status);
  }
}

export interface NextStep {
  at: Date | null;
  calendarWarning: boolean;
}

/** When this deadline's next step falls due: null without a ladder, at its top, or while paused. */
export function nextStep(d: DeadlineRecord, policy: SlaPolicy, calendar: WorkCalendar): NextStep {
  const ladder = LADDER_OF[d.kind];
  if (!ladder || d.pausedAt) return { at: null, calendarWarning: false };
  const times = ladderTimes(d.startedAt, d.dueAt, ladderOf(ladder, policy.ladders), calendar);
  return { at: nextStepAt(times, d.level), calendarWarning: times.calendarWarning };
}

export type Audience = 'department' | 'supervisors' | 'leaders';

/** Who hears of each step (SPEC §7). The department's inbox stands for its head as well. */
export const AUDIENCES: Record<Level, readonly Audience[]> = {
  warning: ['department'],
  overdue: ['department', 'supervisors'],
  escalated: ['supervisors', 'leaders'],
  summons: ['leaders', 'supervisors'],
};

export interface PassedStep {
  deadline: DeadlineKind;
  level: Level;
  /** The department whose deadline it is (the co-handling department's for `coHandle`). */
  departmentCode: string | null;
  /** The deadline the step belongs to, and the instant the step fell due. */
  dueAt: Date;
  stepAt: Date;
  audiences: readonly Audience[];
}

export interface DeadlineDecision {
  steps: PassedStep[];
  level: Level | null;
  /** The next step once these are applied. */
  nextStepAt: Date | null;
  calendarWarning: boolean;
}

/** The steps `now` has passed on one open deadline, the level they leave, and its next step. */
export function decideDeadline(d: DeadlineRecord, policy: SlaPolicy, calendar: WorkCalendar, now: Date): DeadlineDecision {
  const ladder = LADDER_OF[d.kind];
  if (!ladder || d.pausedAt) return { steps: [], level: d.level, nextStepAt: null, calendarWarning: false };
  const times = ladderTimes(d.startedAt, d.dueAt, ladderOf(ladder, policy.ladders), calendar);
  const steps = dueSteps(times, d.level, now).map((level) => ({
    deadline: ladder,
    level,
    departmentCode: d.departmentCode,
    dueAt: d.dueAt,
    stepAt: times[level],
    audiences: AUDIENCES[level],
  }));
  const level = steps.length > 0 ? steps[steps.length - 1].level : d.level;
  return { steps, level, nextStepAt: nextStepAt(times, level), calendarWarning: times.calendarWarning };
}

/** The due instant in force at `now`: a pause running now counts as resumed at `now` (SPEC §18). */
export function effectiveDue(d: Pick<DeadlineRecord, 'dueAt' | 'pausedAt'>, now: Date, calendar: WorkCalendar): Date {
  return d.pausedAt ? addWorkingMs(d.dueAt, workingMsBetween(d.pausedAt, now, calendar), calendar) : d.dueAt;
}
