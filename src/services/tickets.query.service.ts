// Reading tickets as staff: the scoped list with filters and cursor, one ticket with its timeline
// and the actions the caller may take now, and audited unmasking of the phone number.
import { listEvents } from '../db/ticket-events.repository.js';
import { DomainError } from '../domain/errors.js';
import { allowedActions, canSee, type Actor as DomainActor, type TicketState } from '../domain/ticket.js';
import type { Role } from '../domain/roles.js';
import * as tickets from '../db/tickets.repository.js';
import { findMergedInto } from '../db/ticket-links.repository.js';
import { listTickets, type TicketFilters, type VisibleTo } from '../db/ticket-list.repository.js';
import { SCOPED_ROLES } from '../domain/ticket-rules.js';
import { appendAudit } from '../db/audit.repository.js';
import { withTx } from '../db/tx.js';
import { listNotificationsForTicket } from '../db/notifications.repository.js';
import { maskPhone } from '../domain/masking.js';
import { deadlineView, staffEventView, staffTicketView } from './ticket-view.js';
import { deadlinesOf } from '../db/deadlines.repository.js';
import { parseTicketNoOrThrow } from './public-lookup.service.js';
import { hotlineDeliveryViews } from './hotline-webhook.service.js';
import { robotAnswerView } from './intake-robot.service.js';
import type { ServiceDeps } from './deps.js';

export interface StaffIdentity {
  userId: string;
  username: string;
  roles: Role[];
  departmentCode: string | null;
}

export function domainActor(s: StaffIdentity): DomainActor {
  return { kind: 'user', id: s.userId, roles: s.roles, departmentCode: s.departmentCode };
}

export function ticketState(t: tickets.TicketRow): TicketState {
  return {
    ticketNo: t.ticketNo,
    status: t.status as TicketState['status'],
    outcome: t.outcome as TicketState['outcome'],
    departmentCode: t.departmentCode,
    categoryCode: t.categoryCode,
    reopenCount: t.reopenCount,
    pendingExtension: t.pendingExtension,
    dueAt: t.dueAt,
    leaderAttention: t.leaderAttention,
    replyResult: t.result as TicketState['replyResult'],
    satisfaction: t.satisfaction as TicketState['satisfaction'],
    followupRecordedThisRound: t.status !== 'replied' && t.satisfaction !== null,
    registeredBy: t.registeredBy,
    pendingPause: t.pendingPause,
    paused: t.paused,
    pendingScreening: t.pendingScreening as TicketState['pendingScreening'],
    screeningCategory: t.screeningCategory as TicketState['screeningCategory'],
    reportedUp: t.reportedUpAt !== null,
    coHandlers: t.coHandlers,
  };
}

/**
 * What a staff member's list may hold (canSee, as a filter): null for everything; else their
 * department's tickets (handlers) and those they registered (grid workers).
 */
export function listScope(s: StaffIdentity): VisibleTo | null {
  if (s.roles.some((r) => !SCOPED_ROLES.includes(r))) return null;
  return {
    departmentCode: s.roles.includes('handler') ? s.departmentCode : null,
    registeredBy: s.roles.includes('grid') ? s.userId : null,
  };
}

export async function getTicketForStaff(
  deps: ServiceDeps,
  staff: StaffIdentity,
  ticketNoInput: string,
  opts: { unmask?: boolean } = {},
) {
  const ticketNo = parseTicketNoOrThrow(ticketNoInput);
  const t = await tickets.findTicketByNo(deps.db, ticketNo);
  const actor = domainActor(staff);
  if (!t || !canSee(t, actor)) throw new DomainError('TICKET_NOT_FOUND');
  if (opts.unmask && t.complainantPhone) {
    const now = deps.clock.now();
    await withTx(deps.db, (tx) =>
      appendAudit(tx, { actor: `user:${staff.username}`, action: 'unmask', target: `ticket:${t.ticketNo}`, data: { field: 'complainant.phone' }, at: now }),
    );
  }
  const events = await listEvents(deps.db, t.id);
  // The residents of merged tickets wait on this one too: the handler sees how many and which.
  const merged = t.status === 'merged' ? [] : await findMergedInto(deps.db, t.ticketNo);
  return {
    ...staffTicketView(t, opts),
    mergedTickets: merged.map((m) => ({ ticketNo: m.ticketNo, receivedAt: m.receivedAt.toISOString() })),
    allowedActions: allowedActions(ticketState(t), actor, deps.clock.now()),
    timeline: events.map(staffEventView),
    // SPEC §18: the ticket's deadlines as rows, those in force first.
    deadlines: (await deadlinesOf(deps.db, t.id)).map(deadlineView),
    // SPEC §15: each report back to the 12345 platform and its delivery state.
    hotlineDeliveries: t.source === 'hotline_12345' ? await hotlineDeliveryViews(deps, t.id) : [],
    // SPEC §17: the group robot's answer to a ticket registered from WeChat messages.
    robotAnswer: t.source === 'wechat' ? await robotAnswerView(deps, t.id) : null,
  };
}

export interface ListQuery extends Omit<TicketFilters, 'cursor' | 'now'> {
  cursor?: string;
}

const MAX_BIGINT = 2n ** 63n - 1n;

function decodeCursor(cursor: string): { receivedAt: Date; id: string } {
  const parts = Buffer.from(cursor, 'base64url').toString().split(':');
  const [ms, id] = parts;
  const receivedAt = new Date(Number(ms));
  // Whatever Postgres would refuse (no valid instant, an id beyond bigint) is a bad cursor, not a 500.
  if (
    parts.length !== 2 ||
    !/^\d{1,16}$/.test(ms) ||
    !/^\d{1,19}$/.test(id) ||
    Number.isNaN(receivedAt.getTime()) ||
    BigInt(id) > MAX_BIGINT
  ) {
    throw new DomainError('VALIDATION_FAILED', undefined, [{ path: 'cursor', message: '分页游标无效，请从第一页重新查询' }]);
  }
  return { receivedAt, id };
}

/**
 * The list's scope and department filter for a staff member, or null when the filter asks for
 * what they may not see: a handler asking for another department's tickets simply gets none; asking
 * for their own, they get the department's and those it co-handles (SPEC §18), as without it.
 */
export function scopedFilter(staff: StaffIdentity, departmentCode: string | undefined): { visibleTo?: VisibleTo; departmentCode?: string } | null {
  const visibleTo = listScope(staff);
  if (!visibleTo) return { departmentCode };
  const own = visibleTo.departmentCode;
  if (departmentCode && own && departmentCode === own) return { visibleTo };
  if (departmentCode && !visibleTo.registeredBy) return null;
  return { visibleTo, departmentCode };
}

export async function listTicketsForStaff(deps: ServiceDeps, staff: StaffIdentity, q: ListQuery) {
  const scope = scopedFilter(staff, q.departmentCode);
  if (!scope) return { items: [], nextCursor: null };
  const rows = await listTickets(deps.db, {
    ...q,
    ...scope,
    cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
    now: deps.clock.now(),
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((t) => staffTicketView(t)),
    nextCursor:
      rows.length > q.limit && last ? Buffer.from(`${last.receivedAt.getTime()}:${last.id}`).toString('base64url') : null,
  };
}

/** The tickets a staff member registered, newest first (the grid worker's "my reports", SPEC §17). */
export async function myRegistrations(deps: ServiceDeps, staff: StaffIdentity, limit: number) {
  const rows = await listTickets(deps.db, { visibleTo: { departmentCode: null, registeredBy: staff.userId }, limit, now: deps.clock.now() });
  return rows.map((t) => staffTicketView(t));
}

/** Messages sent or queued for the resident, recipient masked (SPEC §12). */
export async function notificationsForStaff(deps: ServiceDeps, staff: StaffIdentity, ticketNoInput: string) {
  const ticketNo = parseTicketNoOrThrow(ticketNoInput);
  const t = await tickets.findTicketByNo(deps.db, ticketNo);
  if (!t || !canSee(t, domainActor(staff))) throw new DomainError('TICKET_NOT_FOUND');
  const rows = await listNotificationsForTicket(deps.db, t.id);
  return rows.map((n) => ({
    template: n.template,
    recipient: maskPhone(n.recipient),
    status: n.status,
    provider: n.provider,
    text: n.body,
    createdAt: n.createdAt.toISOString(),
    sentAt: n.sentAt?.toISOString() ?? null,
  }));
}
