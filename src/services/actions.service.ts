// Lifecycle actions (SPEC §3): lock the ticket row, ask the pure domain what happens, then write
// the new state, the timeline events, the deadlines the effects call for and the outbox rows —
// all in one transaction. Concurrent actions on one ticket serialise on the row lock.
import * as timeline from '../db/ticket-events.repository.js';
import type { PoolClient } from 'pg';
import { DomainError, validationError } from '../domain/errors.js';
import { FINISHED_STATUSES, decide, type ActionInput, type Actor as DomainActor, type Effect, type TimelineEvent } from '../domain/ticket.js';
import { coHandleBefore, resolveLimit, signOffLimit, type Kind } from '../domain/sla.js';
import { parseActionBody, type ActionName } from '../domain/action-bodies.js';
import { withTx } from '../db/tx.js';
import * as tickets from '../db/tickets.repository.js';
import { findMergedInto } from '../db/ticket-links.repository.js';
import { enqueueOutbox } from '../db/outbox.repository.js';
import { jobs, type JobMessage } from '../queue/jobs.js';
import { getCatalogue, learnCategory } from './catalogue.service.js';
import { getPolicy } from './policy.service.js';
import { deadlineJobs } from './escalation.service.js';
import * as deadlines from '../db/deadlines.repository.js';
import { planDeadlines } from '../domain/deadline-plan.js';
import { smsNotBefore } from '../domain/office-hours.js';
import { effectiveDue, type DeadlineRecord, type DeadlineRowKind } from '../domain/escalation.js';
import { parseTicketNoOrThrow } from './public-lookup.service.js';
import { ticketState } from './tickets.query.service.js';
import { hotlineDeliveries } from './hotline-webhook.service.js';
import { insertDeliveries } from '../db/hotline.repository.js';
import type { ServiceDeps } from './deps.js';

/** Who acts, as the timeline names them. */
export interface ActingParty {
  actor: DomainActor;
  label: string;
}

async function checkReferences(tx: PoolClient, deps: ServiceDeps, input: ActionInput, ticketNo: string): Promise<void> {
  // The transaction's own client: never a second pooled client while holding one (pool deadlock).
  const catalogue = await getCatalogue(deps, tx);
  const dept = 'departmentCode' in input ? input.departmentCode : undefined;
  if (dept) {
    const d = catalogue.departments.get(dept);
    if (!d || !d.active) throw validationError([{ path: 'departmentCode', message: '没有这个部门或已停用' }]);
  }
  if (input.action === 'assign') {
    (input.coDepartmentCodes ?? []).forEach((code, i) => {
      const d = catalogue.departments.get(code);
      if (!d || !d.active) throw validationError([{ path: `coDepartmentCodes.${i}`, message: '没有这个部门或已停用' }]);
    });
  }
  if (input.action === 'assign' && input.categoryCode) {
    const c = catalogue.categories.get(input.categoryCode);
    if (!c || !c.active) throw validationError([{ path: 'categoryCode', message: '没有这个诉求分类或已停用' }]);
  }
  if (input.action === 'merge') {
    const into = parseTicketNoOrThrow(input.intoTicketNo);
    if (into === ticketNo) throw validationError([{ path: 'intoTicketNo', message: '不能并入工单本身' }]);
    const target = await tickets.findTicketByNo(tx, into);
    if (!target) throw validationError([{ path: 'intoTicketNo', message: '没有这个工单' }]);
    if (target.status === 'merged') throw validationError([{ path: 'intoTicketNo', message: '目标工单已被并单，请并入其保留的工单' }]);
  }
}

function eventRows(events: TimelineEvent[], party: ActingParty): timeline.NewEvent[] {
  return events.map((e) => ({
    type: e.type,
    at: e.at,
    actorId: party.actor.kind === 'user' ? party.actor.id : null,
    actorLabel: party.label,
    note: e.note,
    public: e.public,
    data: e.data,
  }));
}

export async function performAction(
  deps: ServiceDeps,
  party: ActingParty,
  ticketNoInput: string,
  input: ActionInput,
): Promise<tickets.TicketRow> {
  const ticketNo = parseTicketNoOrThrow(ticketNoInput);
  const updated = await withTx(deps.db, async (tx) => {
    const row = await tickets.findTicketByNo(tx, ticketNo, true);
    if (!row) throw new DomainError('TICKET_NOT_FOUND');
    const now = deps.clock.now();
    const decision = decide(ticketState(row), input, party.actor, now);
    await checkReferences(tx, deps, input, ticketNo);

    const { calendar, policy } = await getPolicy(deps, tx);
    const catalogue = await getCatalogue(deps, tx);
    const open = await deadlines.openDeadlinesOf(tx, [row.id]);
    const openOf = (kind: DeadlineRowKind) => open.find((d) => d.kind === kind);
    // "On time" is judged against the deadline in force at the moment of the act (SPEC §7), and
    // kept on the event so statistics never depend on deadlines that later moved. A pause in
    // force when the reply comes counts as already resumed: paused time is never late (SPEC §18).
    for (const e of decision.events) {
      if (e.type === 'accepted') {
        const due = openOf('sign_off')?.dueAt ?? row.signOffDueAt;
        e.data = { ...e.data, signOffDueAt: due?.toISOString() ?? null, onTime: !due || now <= due };
      } else if (e.type === 'replied') {
        const r = openOf('resolve');
        const due = r ? effectiveDue(r, now, calendar) : row.dueAt;
        e.data = { ...e.data, dueAt: due.toISOString(), onTime: now <= due };
      }
    }
    const next = decision.next;
    const followedUp = decision.events.find((e) => e.type === 'followed_up');
    const category = next.categoryCode ? (catalogue.categories.get(next.categoryCode) ?? null) : null;
    const kind = row.kind as Kind;
    const plan = planDeadlines({
      status: next.status,
      departmentCode: next.departmentCode,
      open,
      effects: decision.effects,
      now,
      limits: {
        signOff: signOffLimit(policy, kind, category),
        resolve: resolveLimit(policy, kind, category),
        followUp: policy.followUp,
        coHandleBefore: coHandleBefore(policy),
      },
      policy,
      calendar,
    });
    // The lead department's current deadlines and levels, copied onto the ticket for lists and views.
    const lead = (k: DeadlineRowKind) => plan.open.find((d) => d.kind === k) ?? plan.closed.find((d) => d.kind === k);
    const resolveRow = lead('resolve');
    const signOffRow = lead('sign_off');

    const u: tickets.TicketUpdate = {
      status: next.status,
      outcome: next.outcome,
      departmentCode: next.departmentCode,
      categoryCode: next.categoryCode,
      reopenCount: next.reopenCount,
      pendingExtension: next.pendingExtension,
      leaderAttention: next.leaderAttention,
      result: next.replyResult,
      satisfaction: next.satisfaction,
      resolved: followedUp ? ((followedUp.data.resolved as boolean | null) ?? null) : row.resolved,
      reply: input.action === 'reply' ? input.reply.trim() : row.reply,
      publicSummary: input.action === 'reply' ? (input.publicSummary?.trim() || null) : row.publicSummary,
      mergedInto: row.mergedInto,
      supervisorFlag: row.supervisorFlag,
      assignedAt: decision.effects.some((e) => e.type === 'start_signoff_clock') ? now : row.assignedAt,
      acceptedAt: next.status === 'in_progress' && row.status === 'assigned' ? now : row.acceptedAt,
      repliedAt: next.status === 'replied' ? now : row.repliedAt,
      closedAt: FINISHED_STATUSES.includes(next.status) ? now : next.status === row.status ? row.closedAt : null,
      signOffDueAt: signOffRow?.dueAt ?? row.signOffDueAt,
      dueAt: resolveRow?.dueAt ?? row.dueAt,
      followUpDueAt: plan.open.find((d) => d.kind === 'follow_up')?.dueAt ?? row.followUpDueAt,
      escalationLevel: resolveRow ? resolveRow.level : row.escalationLevel,
      signOffEscalationLevel: signOffRow ? signOffRow.level : row.signOffEscalationLevel,
      calendarWarning: row.calendarWarning || plan.calendarWarning,
      pendingPause: next.pendingPause ?? null,
      paused: plan.open.some((d) => d.kind === 'resolve' && d.pausedAt !== null),
      pendingScreening: next.pendingScreening ?? null,
      screeningCategory: next.screeningCategory ?? null,
      screenedAt: next.screeningCategory && !row.screeningCategory ? now : row.screenedAt,
      reportedUpAt: next.reportedUp && !row.reportedUpAt ? now : row.reportedUpAt,
      coHandlers: next.coHandlers ?? row.coHandlers,
    };
    // A co-handling answer is on time by its own co_handle deadline (SPEC §18), kept on the event and the entry.
    for (const e of decision.events) {
      if (e.type === 'cohandling_submitted') {
        const due = open.find((d) => d.kind === 'co_handle' && d.departmentCode === e.data.departmentCode)?.dueAt ?? null;
        const onTime = !due || now <= due;
        e.data = { ...e.data, dueAt: due?.toISOString() ?? null, onTime };
        u.coHandlers = u.coHandlers.map((c) => (c.departmentCode === e.data.departmentCode ? { ...c, onTime } : c));
      } else if (e.type === 'instructed' && e.data.resolveWithin && resolveRow) {
        e.data = { ...e.data, dueAt: resolveRow.dueAt.toISOString() };
      }
    }
    const outbox: JobMessage[] = [];
    const extraEvents: TimelineEvent[] = [];
    // SPEC §18: no resident SMS 21:00–08:00 unless the ticket is an emergency.
    const smsAfter = smsNotBefore(now, row.kind === 'emergency');
    for (const e of decision.effects) applyEffect(e);

    function applyEffect(e: Effect): void {
      switch (e.type) {
        case 'start_followup_clock':
          // The 7-day no-response close fires from a delayed job (and the sweeper as a backstop).
          outbox.push(jobs.followup(row!.id, row!.version + 1, now));
          break;
        case 'flag_supervisor':
          u.supervisorFlag = true;
          break;
        case 'escalate':
          extraEvents.push({ type: 'escalation', at: now, actor: { kind: 'system', id: null }, note: null, public: false, data: { deadline: e.deadline, level: e.level, reason: e.reason } });
          break;
        case 'merge_into':
          u.mergedInto = e.ticketNo;
          break;
        case 'notify_resident':
          outbox.push(jobs.notification({ ticketId: row!.id, template: e.template, version: row!.version + 1 }, undefined, smsAfter));
          break;
        case 'notify_staff':
          outbox.push(jobs.staffNotification({ ticketId: row!.id, template: e.template, audience: e.audience, departmentCode: e.departmentCode ?? null, version: row!.version + 1 }));
          break;
        default:
          // Clocks (start, stop, move, escalate): planDeadlines above.
          break;
      }
    }

    // The delayed jobs of instants that no longer apply find nothing to do.
    outbox.push(...deadlineJobs(row.id, open, plan.open));
    // Residents whose tickets were merged into this one wait for the same reply: each gets it.
    if (decision.effects.some((e) => e.type === 'notify_resident' && e.template === 'replied')) {
      for (const m of await findMergedInto(tx, row.ticketNo)) {
        outbox.push(jobs.notification({ ticketId: m.id, template: 'replied', version: row.version + 1 }, row.id, smsAfter));
      }
    }
    // A 12345 work order's return, approved extension, reply and close go back to the platform (SPEC §15).
    const departmentCode = next.status === 'returned' ? row.departmentCode : (next.departmentCode ?? row.departmentCode);
    const reports = hotlineDeliveries(row, decision.events, departmentCode ? (catalogue.departments.get(departmentCode)?.name ?? null) : null);
    outbox.push(...reports.outbox);
    const updated = await tickets.updateTicket(tx, row.id, row.version, u, now);
    await deadlines.writeDeadlines(tx, row.id, changedDeadlines(open, plan), now);
    await timeline.insertEvents(tx, row.id, eventRows([...decision.events, ...extraEvents], party));
    await insertDeliveries(tx, reports.rows, now);
    await enqueueOutbox(tx, outbox, now);
    return updated;
  });
  // A person's choice of category teaches the classifier (the routing worker's does not).
  if (input.action === 'assign' && party.actor.kind === 'user' && updated.categoryCode) {
    learnCategory(deps, updated.categoryCode, updated.content);
  }
  return updated;
}

/** The rows an action's plan writes: closed ones, stored ones that changed, new ones. */
function changedDeadlines(before: readonly DeadlineRecord[], plan: { open: DeadlineRecord[]; closed: DeadlineRecord[] }) {
  const was = new Map(before.map((d) => [d.id, d]));
  const same = (a: DeadlineRecord, b: DeadlineRecord) =>
    a.departmentCode === b.departmentCode && a.dueAt.getTime() === b.dueAt.getTime() && a.level === b.level &&
    a.pausedAt?.getTime() === b.pausedAt?.getTime() && a.pausedMs === b.pausedMs && a.nextStepAt?.getTime() === b.nextStepAt?.getTime();
  return {
    closed: plan.closed,
    changed: plan.open.filter((d) => d.id !== null && !same(d, was.get(d.id)!)),
    added: plan.open.filter((d) => d.id === null),
  };
}

/**
 * A lifecycle action as the API and the pages receive it: the action's name and the body as sent.
 * The answer keeps the order "visible → permitted → state → body" (404 → 403 → 409 → 400): a body
 * that fails its schema is reported only once the same request with a good body would have passed.
 */
export async function submitAction(
  deps: ServiceDeps,
  party: ActingParty,
  ticketNoInput: string,
  action: ActionName,
  raw: Record<string, unknown> | undefined,
): Promise<tickets.TicketRow> {
  let input: ActionInput;
  try {
    input = parseActionBody(action, raw) as ActionInput;
  } catch (err) {
    await precheckAction(deps, party, ticketNoInput, { ...raw, action });
    throw err;
  }
  return performAction(deps, party, ticketNoInput, input);
}

/** For a body that failed its schema: throws what a good body would have met (404, 403, 409). */
async function precheckAction(deps: ServiceDeps, party: ActingParty, ticketNoInput: string, raw: Record<string, unknown>): Promise<void> {
  const ticketNo = parseTicketNoOrThrow(ticketNoInput);
  const row = await tickets.findTicketByNo(deps.db, ticketNo);
  if (!row) throw new DomainError('TICKET_NOT_FOUND');
  try {
    decide(ticketState(row), raw as unknown as ActionInput, party.actor, deps.clock.now());
  } catch (err) {
    if (!(err instanceof DomainError) || err.code !== 'VALIDATION_FAILED') throw err;
  }
}
