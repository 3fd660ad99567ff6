// A resident's rating through the public page (SPEC §3): verified like a lookup, then the same
// follow-up as a clerk's record_followup. The first follow-up of a reply round wins; later
// ratings are kept as comments.
import { DomainError } from '../domain/errors.js';
import { ratedTicket } from './public-lookup.service.js';
import { formatTicketNo } from '../domain/ticket-number.js';
import { performAction } from './actions.service.js';
import { publicLookup } from './public-lookup.service.js';
import type { ServiceDeps } from './deps.js';
import type { Satisfaction } from '../domain/ticket.js';

export interface FeedbackInput {
  verify: string;
  resolved: boolean;
  satisfaction: Exclude<Satisfaction, 'unreachable' | 'no_response'>;
  comment?: string;
}

export async function submitFeedback(deps: ServiceDeps, ticketNoInput: string, input: FeedbackInput) {
  // A merged ticket's resident rates the ticket it was merged into (the reply they got).
  const { own, rated: t } = await ratedTicket(deps, ticketNoInput, input.verify);
  const label = own === t ? '群众（网上评价）' : `群众（网上评价，经合并工单${formatTicketNo(own.ticketNo)}）`;
  try {
    await performAction(deps, { actor: { kind: 'resident', id: null, roles: [], departmentCode: null }, label }, t.ticketNo, {
      action: 'record_followup',
      resolved: input.resolved,
      satisfaction: input.satisfaction,
      note: input.comment ?? null,
    });
  } catch (err) {
    if (err instanceof DomainError && err.code === 'ILLEGAL_TRANSITION') {
      throw new DomainError('ILLEGAL_TRANSITION', '该工单目前不在待评价状态', undefined, { status: t.status });
    }
    throw err;
  }
  return publicLookup(deps, ticketNoInput, input.verify);
}
