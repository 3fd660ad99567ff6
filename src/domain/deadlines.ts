// The escalation ladder of one deadline (SPEC §7): when each step falls due, and which steps are
// due now. Pure: the calendar, the ladder and `now` are arguments.
import { MAX_WORKING_DAYS, addDuration, subtractDuration, type Duration, type WorkCalendar } from './calendar.js';
import type { Ladder } from './sla.js';

export const LEVELS = ['warning', 'overdue', 'escalated', 'summons'] as const;
export type Level = (typeof LEVELS)[number];
/** A ladder's name (timeline events, staff notifications): sign-off, resolve, co-handling (SPEC §18). */
export type DeadlineKind = 'signOff' | 'resolve' | 'coHandle';

export const LEVEL_LABELS: Record<Level, string> = {
  warning: '预警',
  overdue: '逾期',
  escalated: '督办',
  summons: '约谈',
};

export function levelRank(level: Level | null): number {
  return level === null ? 0 : LEVELS.indexOf(level) + 1;
}

export interface LadderTimes {
  warning: Date;
  overdue: Date;
  escalated: Date;
  summons: Date;
  calendarWarning: boolean;
}

/**
 * The instants of the four steps for a deadline that started at `start` and is due at `due`.
 * The warning comes `warningBefore` ahead of the due instant, except for short limits (shorter
 * than twice `warningBefore`): then at 80 % of the limit. Escalation and summons count on from
 * the due instant.
 *
 * "Twice warningBefore" is counted on from the start in its own unit, not measured back from the
 * due instant: a working day back from `due` can span anything from a few hours (an emergency due
 * at 10:00 is only 10 h past the previous evening) to over a week (back across National Day), so
 * measured that way a 24-hour limit would not count as short while a consult due on a Monday would.
 */
export function ladderTimes(start: Date, due: Date, ladder: Ladder, cal: WorkCalendar): LadderTimes {
  const twice = addDuration(start, doubled(ladder.warningBefore), cal);
  const short = due.getTime() < twice.at.getTime();
  const before = subtractDuration(due, ladder.warningBefore, cal);
  const limitMs = due.getTime() - start.getTime();
  // Zero working days ahead means the end of the due day, which may lie after `due`: a warning is
  // never later than the deadline it warns of.
  const warning = short
    ? new Date(start.getTime() + Math.floor(limitMs * 0.8))
    : new Date(Math.min(before.at.getTime(), due.getTime()));
  const escalated = addDuration(due, ladder.escalatedAfter, cal);
  const summons = addDuration(due, ladder.summonsAfter, cal);
  return {
    warning,
    overdue: due,
    escalated: escalated.at,
    summons: summons.at,
    // Only the days that decided an instant: a short limit never uses the count back from `due`.
    calendarWarning: twice.calendarWarning || (!short && before.calendarWarning) || escalated.calendarWarning || summons.calendarWarning,
  };
}

/** Twice `d`; working days stay within what `addDuration` counts (no limit is that long anyway). */
function doubled(d: Duration): Duration {
  const amount = 2 * d.amount;
  return { amount: d.unit === 'working_days' ? Math.min(amount, MAX_WORKING_DAYS) : amount, unit: d.unit };
}

/** The steps above `current` whose time has come, lowest first (a late sweep applies them all). */
export function dueSteps(times: LadderTimes, current: Level | null, now: Date): Level[] {
  // Steps are climbed in order: a later step never fires before an earlier one (an admin may set
  // summonsAfter below escalatedAfter; 督办 is then not skipped, summons simply follows it).
  const steps: Level[] = [];
  for (const l of LEVELS) {
    if (levelRank(l) <= levelRank(current)) continue;
    if (times[l].getTime() > now.getTime()) break;
    steps.push(l);
  }
  return steps;
}

/** When the next step above `current` falls due; null once the ladder is at its top. */
export function nextStepAt(times: LadderTimes, current: Level | null): Date | null {
  const next = LEVELS.find((l) => levelRank(l) > levelRank(current));
  return next ? times[next] : null;
}

/** A Duration in words: 3个工作日, 2小时, 1分钟, 30秒. */
export function durationZh(d: Duration): string {
  const n = (x: number) => String(Math.round(x * 100) / 100);
  switch (d.unit) {
    case 'working_days':
      return `${n(d.amount)}个工作日`;
    case 'days':
      return `${n(d.amount)}天`;
    case 'hours':
      return d.amount < 1 ? `${n(d.amount * 60)}分钟` : `${n(d.amount)}小时`;
    case 'minutes':
      return d.amount < 1 ? `${n(d.amount * 60)}秒` : `${n(d.amount)}分钟`;
    default:
      return `${n(d.amount)} ${String(d.unit)}`;
  }
}

const DEADLINE_NAMES: Record<DeadlineKind, { name: string; verb: string }> = {
  signOff: { name: '签收期限', verb: '签收' },
  resolve: { name: '办理期限', verb: '办结' },
  coHandle: { name: '协办期限', verb: '反馈协办意见' },
};

/** The policy ladder a deadline climbs: co-handling escalates like the resolve deadline. */
export function ladderOf(kind: DeadlineKind, ladders: { signOff: Ladder; resolve: Ladder }): Ladder {
  return kind === 'signOff' ? ladders.signOff : ladders.resolve;
}

/**
 * What a reminder or escalation says, from the ladder in force and naming the deadline it is about
 * (SPEC §7): never a fixed "3 working days" when the policy says otherwise. `deadline` null: a
 * step recorded before deadlines were named; it is about the handling deadline.
 */
export function escalationMessage(level: Level, deadline: DeadlineKind | null, ladders: { signOff: Ladder; resolve: Ladder }): string {
  const kind = deadline ?? 'resolve';
  const { name, verb } = DEADLINE_NAMES[kind];
  const ladder = ladderOf(kind, ladders);
  switch (level) {
    case 'warning':
      return `预警：工单${name}将到（期限前${durationZh(ladder.warningBefore)}提醒），请抓紧${verb === '签收' ? '签收' : '办理'}`;
    case 'overdue':
      return `逾期：工单已超过${name}，仍未${verb}（催办）`;
    case 'escalated':
      return `督办：工单超过${name}${durationZh(ladder.escalatedAfter)}仍未${verb}`;
    case 'summons':
      return `约谈：工单超过${name}${durationZh(ladder.summonsAfter)}仍未${verb}`;
  }
}
