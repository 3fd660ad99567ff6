// Deadlines that cannot be missed (SPEC §7). Postgres holds each ticket's deadlines, its level on
// each ladder and when the next step falls due; delayed jobs make steps fire on time, and the
// sweeper applies any step whose time has passed. Applying is idempotent: under the row lock the
// due steps are computed from the stored level, and the update is conditional on that level.
import * as timeline from '../db/ticket-events.repository.js';
import type { PoolClient } from 'pg';
import type { DeadlineKind } from '../domain/deadlines.js';
import { decideLadders, type LadderPlan } from '../domain/escalation.js';
import type { WorkCalendar } from '../domain/calendar.js';
import type { SlaPolicy } from '../domain/sla.js';
import { withTx } from '../db/tx.js';
import * as tickets from '../db/tickets.repository.js';
import * as ladders from '../db/ladders.repository.js';
import { insertStaffNotifications, type NewStaffNotification } from '../db/notifications.repository.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { jobs, type JobMessage } from '../queue/jobs.js';
import { getPolicy } from './policy.service.js';
import type { ServiceDeps } from './deps.js';

export { planLadders, type LadderPlan } from '../domain/escalation.js';

/** Delayed jobs for the planned instants that changed (the job id names ticket, ladder and instant). */
export function ladderJobs(ticketId: string, before: Partial<LadderPlan>, after: LadderPlan): JobMessage<'deadlines'>[] {
  const planned: JobMessage<'deadlines'>[] = [];
  const pairs: [DeadlineKind, Date | null | undefined, Date | null][] = [
    ['resolve', before.nextEscalationAt, after.nextEscalationAt],
    ['signOff', before.signOffNextEscalationAt, after.signOffNextEscalationAt],
  ];
  for (const [kind, was, now] of pairs) {
    if (now && now.getTime() !== was?.getTime()) {
      planned.push(jobs.deadline(ticketId, kind, now));
    }
  }
  return planned;
}

interface Applied {
  update: ladders.EscalationUpdate;
  events: (timeline.NewEvent & { ticketId: string })[];
  notifications: NewStaffNotification[];
  jobs: JobMessage[];
}

/** The rows applying one locked ticket's passed steps writes (null: nothing changes). */
function rowsToWrite(t: tickets.TicketRow, policy: SlaPolicy, calendar: WorkCalendar, now: Date): Applied | null {
  const { steps, levels, plan } = decideLadders(t, policy, calendar, now);
  const changed =
    steps.length > 0 ||
    plan.nextEscalationAt?.getTime() !== t.nextEscalationAt?.getTime() ||
    plan.signOffNextEscalationAt?.getTime() !== t.signOffNextEscalationAt?.getTime();
  if (!changed) return null;
  return {
    update: {
      id: t.id,
      from: { escalationLevel: t.escalationLevel, signOffEscalationLevel: t.signOffEscalationLevel },
      escalationLevel: levels.resolve,
      signOffEscalationLevel: levels.signOff,
      nextEscalationAt: plan.nextEscalationAt,
      signOffNextEscalationAt: plan.signOffNextEscalationAt,
      calendarWarning: t.calendarWarning || plan.calendarWarning,
    },
    events: steps.map((s) => ({
      ticketId: t.id,
      type: 'escalation',
      at: now,
      actorId: null,
      actorLabel: '系统（期限监控）',
      note: null,
      public: false,
      data: { deadline: s.deadline, level: s.level, dueAt: s.dueAt.toISOString(), stepAt: s.stepAt.toISOString() },
    })),
    notifications: steps.flatMap((s) =>
      s.audiences.map((audience) => ({
        ticketId: t.id,
        template: `escalation_${s.level}`,
        audience,
        departmentCode: audience === 'department' ? t.departmentCode : null,
        round: t.reopenCount,
        deadline: s.deadline,
        now,
      })),
    ),
    jobs: ladderJobs(t.id, t, plan),
  };
}

/**
 * Applies the passed steps of tickets this transaction holds locked, set-based: one conditional
 * UPDATE for all of them, then the events, staff notifications and next-step jobs of the tickets
 * it actually updated, one statement each. Returns how many steps it applied.
 */
async function applyLocked(tx: PoolClient, deps: ServiceDeps, rows: tickets.TicketRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const now = deps.clock.now();
  const { policy, calendar } = await getPolicy(deps, tx);
  const decided = rows.map((t) => rowsToWrite(t, policy, calendar, now)).filter((a): a is Applied => a !== null);
  const updated = await ladders.updateEscalations(tx, decided.map((a) => a.update));
  const applied = decided.filter((a) => updated.has(a.update.id));
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
      const due = await ladders.claimDueEscalations(tx, deps.clock.now(), batch);
      return { tickets: due.length, steps: await applyLocked(tx, deps, due) };
    });
    if (!r) break;
    ticketsDone += r.tickets;
    steps += r.steps;
    if (r.tickets < batch) break;
  }
  return { tickets: ticketsDone, steps };
}
