// Failed public lookups per ticket number and the resulting locks (SPEC §5).
import type { Db } from './tx.js';
import { TICKET_COLUMNS, mapTicket, type TicketRow } from './tickets.repository.js';
import type { EventRow } from './ticket-events.repository.js';

export interface LookupRead {
  lockedUntil: Date | null;
  ticket: TicketRow | null;
  /** The ticket's public events, oldest first (empty unless asked for). */
  publicEvents: EventRow[];
  /** Names of the ticket's category and department (null when it has none, or not asked for). */
  names: { category: string | null; department: string | null };
}

/**
 * Everything a public lookup reads, in one round trip: the number's lock, the ticket, and (when
 * asked) its public timeline and the names of its category and department. Three separate queries
 * made the lookup cost three times the Postgres round trips of a bare indexed SELECT, and reading
 * the names through the catalogue cache made lookups rebuild the category classifier every 10 s
 * (bench/README.md).
 */
export async function readForLookup(db: Db, ticketNo: string, now: Date, withEvents: boolean): Promise<LookupRead> {
  const { rows } = await db.query({
    name: 'hy-lookup-read',
    text: `SELECT (SELECT l.locked_until FROM lookup_locks l WHERE l.ticket_no = $1 AND l.locked_until > $2) AS lookup_locked_until,
            ${TICKET_COLUMNS},
            CASE WHEN $3::boolean AND t.id IS NOT NULL THEN
              (SELECT coalesce(json_agg(json_build_object('id', e.id::text, 'type', e.type, 'at', e.at, 'actorId', e.actor_id::text,
                        'actorLabel', e.actor_label, 'note', e.note, 'public', e.public, 'data', e.data) ORDER BY e.id), '[]'::json)
                 FROM ticket_events e WHERE e.ticket_id = t.id AND e.public)
            END AS lookup_events,
            CASE WHEN $3::boolean THEN (SELECT c.name FROM categories c WHERE c.code = t.category_code) END AS lookup_category_name,
            CASE WHEN $3::boolean THEN (SELECT d.name FROM departments d WHERE d.code = t.department_code) END AS lookup_department_name
       FROM (SELECT 1) AS one LEFT JOIN tickets t ON t.ticket_no = $1`,
    values: [ticketNo, now, withEvents],
  });
  const r = rows[0];
  const events = (r.lookup_events ?? []) as (Omit<EventRow, 'at'> & { at: string })[];
  return {
    lockedUntil: r.lookup_locked_until ?? null,
    ticket: r.id ? mapTicket(r) : null,
    publicEvents: events.map((e) => ({ ...e, at: new Date(e.at) })),
    names: { category: r.lookup_category_name ?? null, department: r.lookup_department_name ?? null },
  };
}

/** Records one failure; returns the number of failures in the window ending now. */
export async function recordLookupFailure(db: Db, ticketNo: string, now: Date, windowStart: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>({
    name: 'hy-lookup-failure',
    text: `WITH ins AS (INSERT INTO lookup_failures (ticket_no, at) VALUES ($1, $2))
     SELECT count(*)::int + 1 AS n FROM lookup_failures WHERE ticket_no = $1 AND at > $3`,
    values: [ticketNo, now, windowStart],
  });
  return rows[0].n;
}

export async function lockLookup(db: Db, ticketNo: string, until: Date): Promise<void> {
  await db.query(
    `INSERT INTO lookup_locks (ticket_no, locked_until) VALUES ($1, $2)
     ON CONFLICT (ticket_no) DO UPDATE SET locked_until = GREATEST(lookup_locks.locked_until, EXCLUDED.locked_until)`,
    [ticketNo, until],
  );
}

/** The ticket an outside number names (SPEC §15), the 12345 platform's first when sources share it. */
export async function ticketNoByExternalNo(db: Db, externalNo: string): Promise<string | null> {
  const { rows } = await db.query<{ ticket_no: string }>(
    `SELECT ticket_no FROM tickets WHERE external_no = $1 ORDER BY source = 'hotline_12345' DESC, id LIMIT 1`,
    [externalNo],
  );
  return rows[0]?.ticket_no ?? null;
}

/** Whether any of these lookup keys is locked now. */
export async function anyLocked(db: Db, keys: string[], now: Date): Promise<boolean> {
  const { rowCount } = await db.query(`SELECT 1 FROM lookup_locks WHERE ticket_no = ANY($1::text[]) AND locked_until > $2`, [keys, now]);
  return (rowCount ?? 0) > 0;
}
