// Admin changes to the holiday calendar and the SLA policy (SPEC §7), audited. Existing tickets
// keep the deadlines they were given; new limits apply from the next deadline computed. A calendar
// change lists the open deadlines it would move and, when asked to, moves them (SPEC §18).
import { WorkCalendar, calendarYearProblems, type CalendarYear } from '../domain/calendar.js';
import { SHANGHAI_OFFSET_MS } from '../domain/local-date.js';
import { recalendarDue } from '../domain/deadline-plan.js';
import { nextStep } from '../domain/escalation.js';
import * as deadlines from '../db/deadlines.repository.js';
import * as timeline from '../db/ticket-events.repository.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import type { Db } from '../db/tx.js';
import { deadlineJobs } from './escalation.service.js';
import { validationError } from '../domain/errors.js';
import type { SlaPolicy } from '../domain/sla.js';
import { withTx } from '../db/tx.js';
import { appendAudit } from '../db/audit.repository.js';
import { loadCalendarYears, saveOfficeHours, saveSlaPolicy, upsertCalendarYear } from '../db/policy.repository.js';
import type { OfficeHours } from '../domain/office-hours.js';
import { getPolicy, invalidatePolicyCache } from './policy.service.js';
import type { ServiceDeps } from './deps.js';

export async function getCalendarYear(deps: ServiceDeps, year: number): Promise<CalendarYear & { configured: boolean }> {
  const y = (await loadCalendarYears(deps.db)).find((c) => c.year === year);
  return y ? { ...y, configured: true } : { year, holidays: [], workdays: [], configured: false };
}

/** One open deadline a calendar change moves (SPEC §18 `affectedTickets`). */
export interface AffectedDeadline {
  ticketNo: string;
  kind: string;
  departmentCode: string | null;
  dueAt: string;
  newDueAt: string;
}

/**
 * The open deadlines that would move if year `y` read as given (a working-day count from each one's
 * start, under the calendar in force and under the new one), with what they would become.
 */
async function deadlinesMovedBy(tx: Db, y: CalendarYear) {
  const years = await loadCalendarYears(tx);
  const before = new WorkCalendar(years);
  const after = new WorkCalendar([...years.filter((c) => c.year !== y.year), y]);
  const from = new Date(Date.UTC(y.year, 0, 1) - SHANGHAI_OFFSET_MS);
  const to = new Date(Date.UTC(y.year + 1, 0, 1) - SHANGHAI_OFFSET_MS);
  const rows = await deadlines.openDeadlinesAcross(tx, from, to);
  const moved = rows.flatMap((r) => {
    const newDue = recalendarDue(r.startedAt, r.dueAt, before, after);
    return newDue ? [{ row: r, newDue }] : [];
  });
  return { moved, after };
}

const affectedView = (m: { row: deadlines.DeadlineRow & { ticketNo: string }; newDue: Date }): AffectedDeadline => ({
  ticketNo: m.row.ticketNo, kind: m.row.kind, departmentCode: m.row.departmentCode, dueAt: m.row.dueAt.toISOString(), newDueAt: m.newDue.toISOString(),
});

/** What saving year `y` would move, without saving it (the admin page's preview). */
export async function previewCalendarYear(deps: ServiceDeps, y: CalendarYear): Promise<AffectedDeadline[]> {
  const problems = calendarYearProblems(y);
  if (problems.length) throw validationError(problems);
  return withTx(deps.db, async (tx) => (await deadlinesMovedBy(tx, y)).moved.map(affectedView));
}

/**
 * Saves a year and answers the open deadlines it moves (`affectedTickets`); with `apply` they move
 * in the same transaction, each with a `deadline_changed` timeline event (public for the resolve
 * deadline: the resident's), the ladder re-planned on the new calendar. Without it, existing
 * deadlines keep the instants they were given.
 */
export async function putCalendarYear(deps: ServiceDeps, actor: string, y: CalendarYear, opts: { apply?: boolean } = {}): Promise<CalendarYear & { affectedTickets: AffectedDeadline[]; applied: boolean }> {
  const problems = calendarYearProblems(y);
  if (problems.length) throw validationError(problems);
  const sorted = { year: y.year, holidays: [...y.holidays].sort(), workdays: [...y.workdays].sort() };
  const now = deps.clock.now();
  const affected = await withTx(deps.db, async (tx) => {
    // Counted against the calendar in force before the save, in the save's transaction.
    const { moved, after } = await deadlinesMovedBy(tx, sorted);
    await upsertCalendarYear(tx, sorted, now);
    await appendAudit(tx, { actor, action: 'calendar.put', target: `calendar:${y.year}`, data: sorted, at: now });
    if (opts.apply && moved.length) {
      await appendAudit(tx, { actor, action: 'calendar.apply', target: `calendar:${y.year}`, data: { moved: moved.length }, at: now });
      await deadlines.lockTickets(tx, [...new Set(moved.map((m) => m.row.ticketId))]);
      const { policy } = await getPolicy(deps, tx);
      const moves = moved.map((m) => ({
        id: m.row.id, ticketId: m.row.ticketId, kind: m.row.kind, dueAt: m.newDue,
        nextStepAt: nextStep({ ...m.row, dueAt: m.newDue }, policy, after).at,
      }));
      await deadlines.moveDeadlines(tx, moves);
      await timeline.insertEventsOfTickets(tx, moved.map((m) => ({
        ticketId: m.row.ticketId, type: 'deadline_changed', at: now, actorId: null, actorLabel: `管理员（${actor.replace(/^user:/, '')}）`,
        note: null, public: m.row.kind === 'resolve',
        data: { deadline: m.row.kind, departmentCode: m.row.departmentCode, from: m.row.dueAt.toISOString(), to: m.newDue.toISOString(), reason: 'calendar', year: y.year },
      })));
      await enqueueOutbox(tx, moves.flatMap((m) => (m.nextStepAt ? deadlineJobs(m.ticketId, [], [{ ...m, id: null, departmentCode: moved.find((x) => x.row.id === m.id)!.row.departmentCode }]) : [])), now);
    }
    return moved.map(affectedView);
  });
  invalidatePolicyCache(deps);
  return { ...sorted, affectedTickets: affected, applied: opts.apply === true };
}

export async function getSla(deps: ServiceDeps): Promise<SlaPolicy> {
  return (await getPolicy(deps)).policy;
}

export async function putSla(deps: ServiceDeps, actor: string, policy: SlaPolicy): Promise<SlaPolicy> {
  const now = deps.clock.now();
  await withTx(deps.db, async (tx) => {
    await saveSlaPolicy(tx, policy, now);
    await appendAudit(tx, { actor, action: 'sla.put', target: 'sla', data: policy as unknown as Record<string, unknown>, at: now });
  });
  invalidatePolicyCache(deps);
  return policy;
}

export async function getOfficeHours(deps: ServiceDeps): Promise<OfficeHours> {
  return (await getPolicy(deps)).officeHours;
}

/** SPEC §18: staff reminders outside these hours of working days wait for the next start. */
export async function putOfficeHours(deps: ServiceDeps, actor: string, h: OfficeHours): Promise<OfficeHours> {
  if (h.start >= h.end) throw validationError([{ path: 'end', message: '下班时间须晚于上班时间' }]);
  const now = deps.clock.now();
  await withTx(deps.db, async (tx) => {
    await saveOfficeHours(tx, h, now);
    await appendAudit(tx, { actor, action: 'office_hours.put', target: 'office_hours', data: { ...h }, at: now });
  });
  invalidatePolicyCache(deps);
  return { start: h.start, end: h.end };
}
