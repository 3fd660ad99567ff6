// Deadlines that cannot be missed (SPEC §7, §18). Postgres holds each ticket's deadlines as rows
// (ticket_deadlines): level and next step per deadline; delayed jobs make steps fire on time, and
// the sweeper applies any step whose time has passed. Applying is idempotent: under the ticket's
// row lock the due steps are computed from the stored level, and each row's update is conditional
// on that level.
import * as timeline from '../db/ticket-events.repository.js';
import type { PoolClient } from 'pg';
import { decideDeadline, type DeadlineRecord } from '../domain/escalation.js';
import type { WorkCalendar } from '../domain/calendar.js';
import type { SlaPolicy } from '../domain/sla.js';
import { nextOfficeInstant, type OfficeHours } from '../domain/office-hours.js';
import { withTx } from '../db/tx.js';
import * as tickets from '../db/tickets.repository.js';
import * as deadlines from '../db/deadlines.repository.js';
import { insertStaffNotifications, type NewStaffNotification } from '../db/notifications.repository.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { jobs, type JobMessage } from '../queue/jobs.js';
import { getPolicy } from './policy.service.js';
import type { ServiceDeps } from './deps.js';

/** Delayed jobs for the rows whose next step is new or moved (the job id names row and instant). */
export function deadlineJobs(ticketId: string, before: readonly DeadlineRecord[], after: readonly { id: string | null; kind: string; departmentCode: string | null; nextStepAt: Date | null }[]): JobMessage<'deadlines'>[] {
  const was = new Map(before.filter((d) => d.id !== null).map((d) => [d.id, d.nextStepAt?.getTime()]));
  return after
    .filter((d) => d.nextStepAt && (d.id === null || was.get(d.id) !== d.nextStepAt.getTime()))
    .map((d) => jobs.deadline(ticketId, d.kind === 'co_handle' ? `co_handle-${d.departmentCode}` : d.kind, d.nextStepAt!));
}

interface Applied {
  steps: deadlines.StepUpdate[];
  mirror: deadlines.LeadMirror | null;
  events: (timeline.NewEvent & { ticketId: string })[];
  notifications: NewStaffNotification[];
  jobs: JobMessage[];
}

/** The rows applying one locked ticket's passed steps writes (null: nothing changes). */
function rowsToWrite(t: tickets.TicketRow, open: deadlines.DeadlineRow[], policy: SlaPolicy, calendar: WorkCalendar, now: Date, officeHours: OfficeHours): Applied | null {
  const out: Applied = { steps: [], mirror: null, events: [], notifications: [], jobs: [] };
  let calendarWarning = false;
  const levels = { resolve: t.escalationLevel, signOff: t.signOffEscalationLevel };
  let leadChanged = false;
  for (const d of open) {
    const decision = decideDeadline(d, policy, calendar, now);
    if (decision.steps.length === 0 && decision.nextStepAt?.getTime() === d.nextStepAt?.getTime()) continue;
    calendarWarning ||= decision.calendarWarning;
    out.steps.push({ id: d.id, fromLevel: d.level, level: decision.level, nextStepAt: decision.nextStepAt });
    if (decision.nextStepAt && decision.nextStepAt.getTime() !== d.nextStepAt?.getTime()) {
      out.jobs.push(...deadlineJobs(t.id, [d], [{ ...d, nextStepAt: decision.nextStepAt }]));
    }
    if (d.kind === 'resolve' || d.kind === 'sign_off') {
      leadChanged = true;
      levels[d.kind === 'resolve' ? 'resolve' : 'signOff'] = decision.level;
    }
    for (const s of decision.steps) {
      out.events.push({
        ticketId: t.id,
        type: 'escalation',
        at: now,
        actorId: null,
        actorLabel: '系统（期限监控）',
        note: null,
        public: false,
        data: {
          deadline: s.deadline,
          level: s.level,
          dueAt: s.dueAt.toISOString(),
          stepAt: s.stepAt.toISOString(),
          ...(d.kind === 'co_handle' ? { departmentCode: d.departmentCode } : {}),
        },
      });
      // SPEC §18: out of office hours a reminder waits for the next start; 约谈 and emergencies do not.
      const shown = s.level === 'summons' || t.kind === 'emergency' ? now : nextOfficeInstant(now, officeHours, calendar);
      for (const audience of s.audiences) {
        out.notifications.push({
          visibleAt: shown.getTime() === now.getTime() ? null : shown,
          ticketId: t.id,
          template: `escalation_${s.level}`,
          audience,
          departmentCode: audience === 'department' ? (d.departmentCode ?? t.departmentCode) : null,
          round: t.reopenCount,
          deadline: s.deadline,
          now,
        });
      }
    }
  }
  if (out.steps.length === 0) return null;
  if (leadChanged || (calendarWarning && !t.calendarWarning)) {
    out.mirror = { ticketId: t.id, escalationLevel: levels.resolve, signOffEscalationLevel: levels.signOff, calendarWarning };
  }
  return out;
}

/**
 * Applies the passed steps of tickets this transaction holds locked, set-based: their open rows
 * read in one statement, one conditional UPDATE for all changed rows, the lead's levels copied to
 * the tickets, then the events, staff notifications and next-step jobs of the rows it actually
 * updated, one statement each. Returns how many steps it applied.
 */
async function applyLocked(tx: PoolClient, deps: ServiceDeps, rows: tickets.TicketRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const now = deps.clock.now();
  const { policy, calendar, officeHours } = await getPolicy(deps, tx);
  const open = await deadlines.openDeadlinesOf(tx, rows.map((t) => t.id));
  const byTicket = new Map<string, deadlines.DeadlineRow[]>();
  for (const d of open) byTicket.set(d.ticketId, [...(byTicket.get(d.ticketId) ?? []), d]);
  const decided = rows.map((t) => rowsToWrite(t, byTicket.get(t.id) ?? [], policy, calendar, now, officeHours)).filter((a): a is Applied => a !== null);
  const updated = await deadlines.updateSteps(tx, decided.flatMap((a) => a.steps));
  // Under the ticket locks a row can only miss its update if a step was applied twice: all or nothing per ticket.
  const applied = decided.filter((a) => a.steps.every((s) => updated.has(s.id)));
  await deadlines.writeLeadMirrors(tx, applied.flatMap((a) => (a.mirror ? [a.mirror] : [])));
  await timeline.insertEventsOfTickets(tx, applied.flatMap((a) => a.events));
  await insertStaffNotifications(tx, applied.flatMap((a) => a.notifications));
  await enqueueOutbox(tx, applied.flatMap((a) => a.jobs), now);
  return applied.reduce((n, a) => n + a.events.length, 0);
}

/** Applies every step of this ticket whose time has come; returns how many it applied. */
export async function applyDueEscalations(deps: ServiceDeps, ticketId: string): Promise<number> {
  return withTx(deps.db, async (tx) => {
    const t = await tickets.findTicketByIdForUpdate(tx, ticketId);
    return t ? applyLocked(tx, deps, [t]) : 0;
  });
}

const SWEEP_LOCK = 0x48_59_53_57; // "HYSW"

/**
 * One sweep: applies every passed step, in batches of `batch` tickets, one transaction each (a few
 * statements per batch, whatever its size). Only one sweeper works at a time (a
 * transaction-scoped advisory lock per batch); others return at once.
 */
export async function sweepDeadlines(deps: ServiceDeps, batch = 1000): Promise<{ tickets: number; steps: number }> {
  let ticketsDone = 0;
  let steps = 0;
  for (;;) {
    const r = await withTx(deps.db, async (tx) => {
      const { rows } = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [SWEEP_LOCK]);
      if (!rows[0].ok) return null;
      const due = await deadlines.claimDueTickets(tx, deps.clock.now(), batch);
      return { tickets: due.length, steps: await applyLocked(tx, deps, due) };
    });
    if (!r) break;
    ticketsDone += r.tickets;
    steps += r.steps;
    if (r.tickets < batch) break;
  }
  return { tickets: ticketsDone, steps };
}

