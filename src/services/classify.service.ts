// POST /classify: while the clerk types, the category suggestions and the possible duplicates
// (SPEC §4, §12) — so a second call about the same matter is attached to the existing ticket
// instead of becoming a second ticket with its own SMS.
import { DUPLICATE_WINDOW_MS, excerpt, rankDuplicates } from '../domain/duplicates.js';
import { findDuplicateCandidates } from '../db/ticket-links.repository.js';
import { suggestCategories } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';
import { STATUS_LABELS } from '../domain/ticket-labels.js';
import type { TicketStatus } from '../domain/ticket-rules.js';

export interface ClassifyInput {
  content: string;
  phone?: string;
  villageCode?: string;
  categoryCode?: string;
}

/** `seesOtherTickets` false (a grid worker, SPEC §17): suggestions only, no other ticket named. */
export async function classifyDemand(deps: Pick<ServiceDeps, 'db' | 'clock' | 'catalogue'>, input: ClassifyInput, seesOtherTickets = true) {
  const suggestedCategories = await suggestCategories(deps, input.content, 5);
  if (!seesOtherTickets) return { suggestedCategories, duplicateCandidates: [] };
  // Without a chosen category, the best suggestion stands in for the village + category match.
  const categoryCode = input.categoryCode ?? suggestedCategories[0]?.code ?? null;
  const candidates = await findDuplicateCandidates(deps.db, {
    phone: input.phone ?? null,
    villageCode: input.villageCode ?? null,
    categoryCode,
    since: new Date(deps.clock.now().getTime() - DUPLICATE_WINDOW_MS),
  });
  const duplicateCandidates = rankDuplicates(input.content, input.phone ?? null, candidates).map(({ candidate: c, score, samePhone }) => ({
    ticketNo: c.ticketNo,
    status: c.status,
    statusLabel: STATUS_LABELS[c.status as TicketStatus] ?? c.status,
    receivedAt: c.receivedAt.toISOString(),
    excerpt: excerpt(c.content),
    score,
    samePhone,
  }));
  return { suggestedCategories, duplicateCandidates };
}
