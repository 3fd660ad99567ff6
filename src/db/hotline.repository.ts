// Reports back to the 12345 platform (SPEC §15, migration 0013): one row per (ticket, event, round)
// holding the exact body to post, written in the action's transaction; a lease keeps two runs of
// one job (a republish racing a slow post) from posting together.
import type { Db } from './tx.js';

export interface NewDelivery {
  ticketId: string;
  event: string;
  round: number;
  body: string;
}

export interface DeliveryRow {
  ticketId: string;
  event: string;
  round: number;
  body: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const COLUMNS = `ticket_id::text AS "ticketId", event, round, body, status, attempts, last_error AS "lastError",
  created_at AS "createdAt", delivered_at AS "deliveredAt"`;

export async function insertDeliveries(db: Db, rows: NewDelivery[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO hotline_deliveries (ticket_id, event, round, body, created_at)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[]) AS r, (SELECT $5::timestamptz) AS n
     ON CONFLICT (ticket_id, event, round) DO NOTHING`,
    [rows.map((r) => r.ticketId), rows.map((r) => r.event), rows.map((r) => r.round), rows.map((r) => r.body), now],
  );
}

/**
 * Takes the delivery for one attempt: null when it is already delivered or another run holds it
 * (`held`). The lease outlasts the post's timeout, so a crashed run frees it by itself.
 */
export async function claimDelivery(
  db: Db, key: { ticketId: string; event: string; round: number }, now: Date, leaseMs: number,
): Promise<{ row: DeliveryRow | null; held: boolean }> {
  const { rows } = await db.query<DeliveryRow>(
    `UPDATE hotline_deliveries SET lease_until = $5::timestamptz + make_interval(secs => $4::double precision / 1000), attempts = attempts + 1
      WHERE ticket_id = $1 AND event = $2 AND round = $3 AND status <> 'delivered' AND (lease_until IS NULL OR lease_until <= $5)
      RETURNING ${COLUMNS}`,
    [key.ticketId, key.event, key.round, leaseMs, now],
  );
  if (rows[0]) return { row: rows[0], held: false };
  const { rows: other } = await db.query<{ status: string }>(
    'SELECT status FROM hotline_deliveries WHERE ticket_id = $1 AND event = $2 AND round = $3',
    [key.ticketId, key.event, key.round],
  );
  return { row: null, held: other[0] !== undefined && other[0].status !== 'delivered' };
}

export async function finishDelivery(
  db: Db, key: { ticketId: string; event: string; round: number }, outcome: { status: 'delivered' | 'retrying' | 'not_configured'; error: string | null }, now: Date,
): Promise<void> {
  await db.query(
    `UPDATE hotline_deliveries SET status = $4, last_error = $5, lease_until = NULL,
            delivered_at = CASE WHEN $4 = 'delivered' THEN $6::timestamptz ELSE delivered_at END
      WHERE ticket_id = $1 AND event = $2 AND round = $3 AND status <> 'delivered'`,
    [key.ticketId, key.event, key.round, outcome.status, outcome.error, now],
  );
}

export async function deliveriesOf(db: Db, ticketId: string): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${COLUMNS} FROM hotline_deliveries WHERE ticket_id = $1 ORDER BY created_at, id`,
    [ticketId],
  );
  return rows;
}
