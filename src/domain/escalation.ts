// The escalation ladders of a ticket (SPEC §7), as pure rules: which ladders run in a state, when
// each one's next step falls due, which steps a moment has passed, and who hears of each step.
// services/escalation.service.ts applies them under the row lock and writes what they decide.
import { dueSteps, ladderTimes, nextStepAt, type DeadlineKind, type Level } from './deadlines.js';
import type { WorkCalendar } from './calendar.js';
import type { SlaPolicy } from './sla.js';
import { AWAITING_REPLY_STATUSES } from './ticket-rules.js';

const RESOLVE_OPEN = new Set<string>(AWAITING_REPLY_STATUSES);

/** The part of a ticket the ladders read. */
export interface LadderState {
  status: string;
  dueAt: Date;
  resolveStartedAt: Date;
  escalationLevel: string | null;
  signOffDueAt: Date | null;
  assignedAt: Date | null;
  signOffEscalationLevel: string | null;
}

interface ActiveLadder {
  kind: DeadlineKind;
  start: Date;
  due: Date;
  level: Level | null;
}

/** The resolve ladder runs while the reply is awaited; the sign-off ladder while assigned, not accepted. */
function activeLadders(t: LadderState): ActiveLadder[] {
  const ladders: ActiveLadder[] = [];
  if (RESOLVE_OPEN.has(t.status)) {
    ladders.push({ kind: 'resolve', start: t.resolveStartedAt, due: t.dueAt, level: t.escalationLevel as Level | null });
  }
  if (t.status === 'assigned' && t.signOffDueAt && t.assignedAt) {
    ladders.push({ kind: 'signOff', start: t.assignedAt, due: t.signOffDueAt, level: t.signOffEscalationLevel as Level | null });
  }
  return ladders;
}

export interface LadderPlan {
  nextEscalationAt: Date | null;
  signOffNextEscalationAt: Date | null;
  calendarWarning: boolean;
}

/** When each active ladder's next step falls due (null: no ladder, or at its top). */
export function planLadders(t: LadderState, policy: SlaPolicy, calendar: WorkCalendar): LadderPlan {
  const plan: LadderPlan = { nextEscalationAt: null, signOffNextEscalationAt: null, calendarWarning: false };
  for (const l of activeLadders(t)) {
    const times = ladderTimes(l.start, l.due, policy.ladders[l.kind], calendar);
    plan.calendarWarning ||= times.calendarWarning;
    const at = nextStepAt(times, l.level);
    if (l.kind === 'resolve') plan.nextEscalationAt = at;
    else plan.signOffNextEscalationAt = at;
  }
  return plan;
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
  /** The deadline the step belongs to, and the instant the step fell due. */
  dueAt: Date;
  stepAt: Date;
  audiences: readonly Audience[];
}

export interface LadderDecision {
  steps: PassedStep[];
  levels: { resolve: Level | null; signOff: Level | null };
  /** The next steps once these are applied. */
  plan: LadderPlan;
}

/** The steps `now` has passed on each active ladder, the levels they leave, and the next plan. */
export function decideLadders(t: LadderState, policy: SlaPolicy, calendar: WorkCalendar, now: Date): LadderDecision {
  const levels = { resolve: t.escalationLevel as Level | null, signOff: t.signOffEscalationLevel as Level | null };
  const steps: PassedStep[] = [];
  for (const l of activeLadders(t)) {
    const times = ladderTimes(l.start, l.due, policy.ladders[l.kind], calendar);
    for (const level of dueSteps(times, l.level, now)) {
      levels[l.kind] = level;
      steps.push({ deadline: l.kind, level, dueAt: l.due, stepAt: times[level], audiences: AUDIENCES[level] });
    }
  }
  const plan = planLadders({ ...t, escalationLevel: levels.resolve, signOffEscalationLevel: levels.signOff }, policy, calendar);
  return { steps, levels, plan };
}
