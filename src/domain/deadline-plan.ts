// What an action does to a ticket's deadline rows (SPEC §7, §18), as a pure function: the
// decision's clock effects (start, stop, move, pause, resume, escalate) applied to the open rows,
// then every row the new state no longer allows closed and each open row's next step planned.
// The service writes the result (services/actions.service.ts) in the action's transaction.
import { addDuration, addWorkingMs, workingMsBetween, type Duration, type WorkCalendar } from './calendar.js';
import { endOfShanghaiDay, shanghaiEpochDay } from './local-date.js';
import { deadlineKey, nextStep, openInState, type DeadlineRecord, type DeadlineRowKind } from './escalation.js';
import type { Level } from './deadlines.js';
import type { SlaPolicy } from './sla.js';
import { validationError } from './errors.js';

/** The clock effects of a decision (a subset of ticket.ts `Effect`, which lists them all). */
export type ClockEffect =
  | { type: 'start_signoff_clock' }
  | { type: 'start_resolve_clock' }
  | { type: 'start_followup_clock' }
  | { type: 'stop_ladder'; deadline: 'signOff' | 'resolve' | 'followUp' | 'all' }
  | { type: 'move_due'; workingDays: number }
  | { type: 'escalate'; deadline: 'resolve'; level: Level }
  | { type: 'pause_clock' }
  | { type: 'resume_clock' }
  | { type: 'set_resolve_due'; dueAt: Date }
  | { type: 'start_cohandle_clocks'; departmentCodes: string[] }
  | { type: 'stop_cohandle_clock'; departmentCode: string }
  | { type: 'shorten_resolve'; within: Duration };

export interface DeadlineLimits {
  signOff: Duration;
  resolve: Duration;
  followUp: Duration;
  /** How long before the lead's due instant a co-handling answer is due. */
  coHandleBefore: Duration;
}

export interface DeadlinePlanInput {
  /** The ticket after the decision. */
  status: string;
  departmentCode: string | null;
  /** The ticket's open rows before the decision. */
  open: DeadlineRecord[];
  effects: readonly { type: string; [field: string]: unknown }[];
  now: Date;
  limits: DeadlineLimits;
  policy: SlaPolicy;
  calendar: WorkCalendar;
}

export interface DeadlinePlan {
  /** Rows open after the decision (id null: new), each with its next step planned. */
  open: DeadlineRecord[];
  /** Stored rows the decision closes. */
  closed: DeadlineRecord[];
  calendarWarning: boolean;
}

const STOP_KINDS: Record<'signOff' | 'resolve' | 'followUp', DeadlineRowKind> = {
  signOff: 'sign_off',
  resolve: 'resolve',
  followUp: 'follow_up',
};

/** Lead deadlines follow the ticket's department; co-handling ones keep their own. */
const LEAD_KINDS: ReadonlySet<DeadlineRowKind> = new Set(['sign_off', 'resolve', 'follow_up']);

export function planDeadlines(p: DeadlinePlanInput): DeadlinePlan {
  const rows = new Map(p.open.map((d) => [deadlineKey(d), { ...d }]));
  const closed: DeadlineRecord[] = [];
  let calendarWarning = false;
  const after = (from: Date, d: Duration): Date => {
    const r = addDuration(from, d, p.calendar);
    calendarWarning ||= r.calendarWarning;
    return r.at;
  };
  const close = (key: string) => {
    const d = rows.get(key);
    if (!d) return;
    rows.delete(key);
    if (d.id !== null) closed.push(d);
  };
  const start = (kind: DeadlineRowKind, dueAt: Date, departmentCode: string | null) => {
    const key = deadlineKey({ kind, departmentCode });
    close(key);
    rows.set(key, { id: null, kind, departmentCode, startedAt: p.now, dueAt, level: null, pausedAt: null, pausedMs: 0, nextStepAt: null });
  };
  const resolve = () => rows.get('resolve');

  for (const e of p.effects as ClockEffect[]) {
    switch (e.type) {
      case 'start_signoff_clock':
        start('sign_off', after(p.now, p.limits.signOff), p.departmentCode);
        break;
      case 'start_resolve_clock':
        start('resolve', after(p.now, p.limits.resolve), p.departmentCode);
        break;
      case 'start_followup_clock':
        start('follow_up', after(p.now, p.limits.followUp), p.departmentCode);
        break;
      case 'stop_ladder':
        if (e.deadline === 'all') for (const key of [...rows.keys()]) close(key);
        else close(STOP_KINDS[e.deadline]);
        break;
      case 'move_due': {
        const r = resolve();
        if (r) Object.assign(r, { dueAt: after(r.dueAt, { amount: e.workingDays, unit: 'working_days' }), level: null });
        break;
      }
      case 'set_resolve_due': {
        const r = resolve();
        if (r) Object.assign(r, { dueAt: e.dueAt, level: null });
        break;
      }
      case 'escalate': {
        const r = resolve();
        if (r) r.level = e.level;
        break;
      }
      case 'pause_clock': {
        const r = resolve();
        if (r && !r.pausedAt) r.pausedAt = p.now;
        break;
      }
      case 'resume_clock': {
        const r = resolve();
        if (r?.pausedAt) {
          const paused = workingMsBetween(r.pausedAt, p.now, p.calendar);
          Object.assign(r, { dueAt: addWorkingMs(r.dueAt, paused, p.calendar), pausedMs: r.pausedMs + paused, pausedAt: null });
        }
        break;
      }
      case 'start_cohandle_clocks': {
        const lead = resolve();
        for (const code of e.departmentCodes) {
          start('co_handle', coHandleDue(p.now, lead?.dueAt ?? after(p.now, p.limits.resolve), p.limits.coHandleBefore, p.calendar), code);
        }
        break;
      }
      case 'stop_cohandle_clock':
        close(deadlineKey({ kind: 'co_handle', departmentCode: e.departmentCode }));
        break;
      case 'shorten_resolve': {
        // A leader's 批示 may only shorten the limit, counted from the resolve clock's start (SPEC §18).
        const r = resolve();
        if (!r) throw validationError([{ path: 'resolveWithin', message: '工单已答复或已办结，不能再调整办理期限' }]);
        const due = after(r.startedAt, e.within);
        if (due.getTime() >= r.dueAt.getTime()) throw validationError([{ path: 'resolveWithin', message: '批示时限只能缩短办理期限' }]);
        Object.assign(r, { dueAt: due, level: null });
        // Co-handling answers stay due before the lead's (SPEC §18).
        for (const d of rows.values()) {
          if (d.kind === 'co_handle' && d.dueAt.getTime() >= due.getTime()) {
            Object.assign(d, { dueAt: coHandleDue(p.now, due, p.limits.coHandleBefore, p.calendar), level: null });
          }
        }
        break;
      }
    }
  }

  const open: DeadlineRecord[] = [];
  for (const [key, d] of rows) {
    if (!openInState(d.kind, p.status)) {
      close(key);
      continue;
    }
    if (LEAD_KINDS.has(d.kind)) d.departmentCode = p.departmentCode;
    const next = nextStep(d, p.policy, p.calendar);
    calendarWarning ||= next.calendarWarning;
    open.push({ ...d, nextStepAt: next.at });
  }
  return { open, closed, calendarWarning };
}

/**
 * A co-handling answer's due instant (SPEC §18): `coHandleBefore` ahead of the lead's due instant,
 * never later than it, and never before the co-handling starts (then half the time left).
 */
export function coHandleDue(now: Date, leadDue: Date, before: Duration, calendar: WorkCalendar): Date {
  const back = addDuration(leadDue, { amount: -before.amount, unit: before.unit }, calendar).at;
  const due = Math.min(back.getTime(), leadDue.getTime() - 1000);
  if (due > now.getTime()) return new Date(due);
  return new Date(now.getTime() + Math.max(0, Math.floor((leadDue.getTime() - now.getTime()) / 2)));
}

/**
 * A deadline counted in working days, counted again under a changed calendar (SPEC §18): the same
 * number of working days after the day it started. Null when it does not move: the same day comes
 * out, or it is not a working-day count (it does not end a working day under the old calendar —
 * limits in hours or minutes, a due instant shifted by a pause).
 */
export function recalendarDue(startedAt: Date, dueAt: Date, before: WorkCalendar, after: WorkCalendar): Date | null {
  const dueDay = shanghaiEpochDay(dueAt);
  const startDay = shanghaiEpochDay(startedAt);
  if (dueAt.getTime() !== endOfShanghaiDay(dueDay).getTime() || dueDay <= startDay || !before.isWorkingEpochDay(dueDay)) return null;
  let n = 0;
  for (let d = startDay + 1; d <= dueDay; d++) if (before.isWorkingEpochDay(d)) n++;
  const moved = addDuration(startedAt, { amount: n, unit: 'working_days' }, after).at;
  return moved.getTime() === dueAt.getTime() ? null : moved;
}
