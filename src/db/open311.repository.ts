// Open311 reads (SPEC §16): tickets with the names of their category, department and village, and
// public timeline events in a window. Confidential tickets (保密) are never read here.
import type { Db } from './tx.js';
import type { RequestSource } from '../domain/open311.js';
import { storableText } from './storable.js';
import { camelRow } from './rows.js';

/** The columns read below, as the domain's mapping takes them. */
export type Open311TicketRow = RequestSource;

const COLUMNS = `t.ticket_no, t.status, t.outcome, t.content, t.public_summary, t.complainant_name, t.address,
  v.name AS village_name, t.category_code, c.name AS category_name, d.name AS department_name,
  t.received_at, t.updated_at, t.due_at, t.lat, t.lng`;
const JOINS = `LEFT JOIN categories c ON c.code = t.category_code
  LEFT JOIN departments d ON d.code = t.department_code
  LEFT JOIN departments v ON v.code = t.village_code`;

const mapRow = (r: Record<string, unknown>): Open311TicketRow => camelRow<Open311TicketRow>(r);

export async function findOpen311Tickets(db: Db, ticketNos: string[]): Promise<Open311TicketRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM tickets t ${JOINS}
      WHERE t.ticket_no = ANY($1::text[]) AND NOT t.confidential
      ORDER BY t.received_at DESC`,
    [ticketNos],
  );
  return rows.map(mapRow);
}

export interface Open311ListFilter {
  categoryCodes: string[] | null;
  statuses: string[] | null;
  start: Date;
  end: Date;
  limit: number;
}

export async function listOpen311Tickets(db: Db, f: Open311ListFilter): Promise<Open311TicketRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM tickets t ${JOINS}
      WHERE NOT t.confidential AND t.received_at >= $1 AND t.received_at <= $2
        AND ($3::text[] IS NULL OR t.category_code = ANY($3::text[]))
        AND ($4::text[] IS NULL OR t.status = ANY($4::text[]))
      ORDER BY t.received_at DESC, t.id DESC
      LIMIT $5`,
    [f.start, f.end, f.categoryCodes, f.statuses, f.limit],
  );
  return rows.map(mapRow);
}

export interface Open311EventRow {
  eventId: string;
  type: string;
  at: Date;
  note: string | null;
  latest: boolean;
  ticket: Open311TicketRow;
}

/** Public timeline events in [start, end], oldest first; `latest` marks each ticket's last public event. */
export async function listOpen311Events(db: Db, start: Date, end: Date, limit: number): Promise<Open311EventRow[]> {
  const { rows } = await db.query(
    `SELECT e.id::text AS event_id, e.type, e.at, e.note,
            e.id = (SELECT max(l.id) FROM ticket_events l WHERE l.ticket_id = t.id AND l.public) AS latest,
            ${COLUMNS}
       FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id ${JOINS}
      WHERE e.public AND NOT t.confidential AND e.at >= $1 AND e.at <= $2
      ORDER BY e.at, e.id
      LIMIT $3`,
    [start, end, limit],
  );
  return rows.map((r) => ({ eventId: r.event_id, type: r.type, at: r.at, note: r.note, latest: r.latest === true, ticket: mapRow(r) }));
}

/** A resident's update pushed by an Open311 client: a staff-only timeline entry (it may hold personal data). */
export async function insertOpen311Update(
  db: Db,
  ticketNo: string,
  e: { at: Date; actorLabel: string; note: string; data: Record<string, unknown> },
): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO ticket_events (ticket_id, type, at, actor_id, actor_label, note, public, data)
     SELECT t.id, 'open311_update', $2, NULL, $3, $4, false, $5::jsonb FROM tickets t
      WHERE t.ticket_no = $1 AND NOT t.confidential
     RETURNING id::text AS id`,
    [ticketNo, e.at, e.actorLabel, storableText(e.note), JSON.stringify(e.data)],
  );
  return rows[0]?.id ?? null;
}
