// Tickets seen from another ticket: duplicate candidates of a demand not yet registered, and the
// tickets merged into a survivor (their residents wait on it too).
import type { Db } from './tx.js';
import { duplicateCandidatesSql, type DuplicateCandidate } from './tickets.repository.js';

/**
 * Possible duplicates of a demand not yet registered (the classify warning): tickets (not merged)
 * since `since` with the phone, or the village and category, newest 50 — the same set the
 * registration statement reads.
 */
export async function findDuplicateCandidates(
  db: Db,
  q: { phone: string | null; villageCode: string | null; categoryCode: string | null; since: Date },
): Promise<DuplicateCandidate[]> {
  if (!q.phone && !(q.villageCode && q.categoryCode)) return [];
  const { rows } = await db.query({
    name: 'hy-duplicate-candidates',
    text: duplicateCandidatesSql('$1', '$2', '$3', '$4'),
    values: [q.phone, q.villageCode, q.categoryCode, q.since],
  });
  return rows.map((r) => ({
    ticketNo: r.ticket_no, content: r.content, complainantPhone: r.complainant_phone, villageCode: r.village_code,
    categoryCode: r.category_code, receivedAt: r.received_at, status: r.status,
  }));
}

export interface MergedTicketRow {
  id: string;
  ticketNo: string;
  complainantPhone: string | null;
  accessCode: string | null;
  receivedAt: Date;
}

/** The tickets merged into `ticketNo` (their residents wait on it too), oldest first. */
export async function findMergedInto(db: Db, ticketNo: string): Promise<MergedTicketRow[]> {
  const { rows } = await db.query({
    name: 'hy-merged-into',
    text: `SELECT id::text, ticket_no, complainant_phone, access_code, received_at FROM tickets
            WHERE merged_into = $1 AND status = 'merged' ORDER BY received_at, id`,
    values: [ticketNo],
  });
  return rows.map((r) => ({ id: r.id, ticketNo: r.ticket_no, complainantPhone: r.complainant_phone, accessCode: r.access_code, receivedAt: r.received_at }));
}
