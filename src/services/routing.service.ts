// Auto-assignment (SPEC §6): a registered ticket with a known category goes to the category's
// department, as the routing worker; a clerk who assigned first wins (the worker then does nothing).
import { DomainError } from '../domain/errors.js';
import * as tickets from '../db/tickets.repository.js';
import { getCatalogue } from './catalogue.service.js';
import { performAction } from './actions.service.js';
import { NO_RESPONSE_CLOSE_MS } from '../queue/jobs.js';
import type { ServiceDeps } from './deps.js';

const SYSTEM = { actor: { kind: 'system' as const, id: null, roles: [], departmentCode: null }, label: '系统自动分派' };

export type RouteResult = 'assigned' | 'skipped';

export async function routeTicket(deps: ServiceDeps, ticketId: string): Promise<RouteResult> {
  const t = await tickets.findTicketById(deps.db, ticketId);
  if (!t || t.status !== 'registered' || !t.categoryCode) return 'skipped';
  const category = (await getCatalogue(deps)).categories.get(t.categoryCode);
  if (!category) return 'skipped';
  try {
    await performAction(deps, SYSTEM, t.ticketNo, { action: 'assign', departmentCode: category.departmentCode, categoryCode: t.categoryCode });
    return 'assigned';
  } catch (err) {
    // Someone acted first (assigned, rejected, merged): the worker's job is done.
    if (err instanceof DomainError && err.code === 'ILLEGAL_TRANSITION') return 'skipped';
    throw err;
  }
}

/** SPEC §3: 7 days after the reply without any follow-up, close with `no_response`. */
export async function closeWithoutResponse(deps: ServiceDeps, ticketId: string): Promise<'closed' | 'skipped'> {
  const t = await tickets.findTicketById(deps.db, ticketId);
  if (!t || t.status !== 'replied' || !t.repliedAt) return 'skipped';
  if (t.repliedAt.getTime() + NO_RESPONSE_CLOSE_MS > deps.clock.now().getTime()) return 'skipped';
  try {
    await performAction(deps, { ...SYSTEM, label: '系统（7日未回访）' }, t.ticketNo, {
      action: 'record_followup',
      resolved: false,
      satisfaction: 'no_response',
    });
    return 'closed';
  } catch (err) {
    if (err instanceof DomainError && err.code === 'ILLEGAL_TRANSITION') return 'skipped';
    throw err;
  }
}

/** The sweeper's backstop for lost delayed jobs: close every reply left unanswered for 7 days. */
export async function sweepNoResponse(deps: ServiceDeps, limit = 500): Promise<number> {
  const ids = await tickets.findUnansweredReplies(deps.db, new Date(deps.clock.now().getTime() - NO_RESPONSE_CLOSE_MS), limit);
  let closed = 0;
  for (const id of ids) if ((await closeWithoutResponse(deps, id)) === 'closed') closed++;
  return closed;
}
