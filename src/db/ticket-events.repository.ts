// A ticket's timeline (ticket_events): append-only, hash-chained by the database (migration 0010).
import type { Db } from './tx.js';
// Timeline text goes through storableJson: an unpaired surrogate or NUL would make the JSON the
// events travel in unreadable to jsonb (the chain itself is hashed by the database from what it stored).
import { storableJson } from './storable.js';

export interface EventRow {
  id: string;
  type: string;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  note: string | null;
  public: boolean;
  data: Record<string, unknown>;
}

export type NewEvent = Omit<EventRow, 'id'>;

export async function insertEvents(db: Db, ticketId: string, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query({
    name: 'hy-insert-events',
    text: `INSERT INTO ticket_events (ticket_id, type, at, actor_id, actor_label, note, public, data)
     SELECT $1, e.type, e.at, e.actor_id, e.actor_label, e.note, e.public, e.data
       FROM jsonb_to_recordset($2::jsonb)
         AS e(type text, at timestamptz, actor_id bigint, actor_label text, note text, public boolean, data jsonb)`,
    values: [ticketId, JSON.stringify(storableJson(events.map((e) => ({ ...e, actor_id: e.actorId, actor_label: e.actorLabel }))))],
  });
}

export async function listEvents(db: Db, ticketId: string, publicOnly = false): Promise<EventRow[]> {
  const { rows } = await db.query(
    `SELECT id::text, type, at, actor_id::text, actor_label, note, public, data FROM ticket_events
      WHERE ticket_id = $1 ${publicOnly ? 'AND public' : ''} ORDER BY ticket_events.id`,
    [ticketId],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    at: r.at,
    actorId: r.actor_id,
    actorLabel: r.actor_label,
    note: r.note,
    public: r.public,
    data: r.data,
  }));
}

/** Timeline events of many tickets in one statement, inserted in the order given. */
export async function insertEventsOfTickets(db: Db, events: (NewEvent & { ticketId: string })[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO ticket_events (ticket_id, type, at, actor_id, actor_label, note, public, data)
     SELECT e.ticket_id, e.type, e.at, e.actor_id, e.actor_label, e.note, e.public, e.data
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb)
              AS (ticket_id bigint, type text, at timestamptz, actor_id bigint, actor_label text, note text, public boolean, data jsonb))
            WITH ORDINALITY AS e(ticket_id, type, at, actor_id, actor_label, note, public, data, n)
      ORDER BY e.n`,
    [JSON.stringify(storableJson(events.map((e) => ({ ...e, ticket_id: e.ticketId, actor_id: e.actorId, actor_label: e.actorLabel }))))],
  );
}

/** Events of one type on these tickets (by number), oldest first. */
export async function listEventsOfType(db: Db, ticketNos: string[], type: string): Promise<{ ticketNo: string; at: Date; data: Record<string, unknown> }[]> {
  if (ticketNos.length === 0) return [];
  const { rows } = await db.query(
    `SELECT t.ticket_no, e.at, e.data FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
      WHERE t.ticket_no = ANY($1::text[]) AND e.type = $2 ORDER BY e.id`,
    [ticketNos, type],
  );
  return rows.map((r) => ({ ticketNo: r.ticket_no, at: r.at, data: r.data }));
}
