// The group robot's answers (SPEC §17, migration 0018): one row per ticket with the exact text,
// written in the registration's transaction; `due_at` is the robot's schedule (one post every
// ROBOT_SPACING_MS per webhook); a lease keeps two runs of one job from posting together.
import type { Db } from './tx.js';

export interface RobotDeliveryRow {
  ticketId: string;
  robot: string;
  body: string;
  dueAt: Date;
  status: string;
  attempts: number;
  lastError: string | null;
  deliveredAt: Date | null;
}

const COLUMNS = `ticket_id::text AS "ticketId", robot, body, due_at AS "dueAt", status, attempts, last_error AS "lastError", delivered_at AS "deliveredAt"`;

/**
 * The next free slot of the robot serving `groups` (every group sharing its webhook): `spacingMs`
 * after its latest scheduled post, not before `now`. Serialised per webhook by a transaction lock.
 */
export async function nextRobotSlot(tx: Db, lockKey: string, groups: readonly string[], now: Date, spacingMs: number): Promise<Date> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`intake-robot:${lockKey}`]);
  const { rows } = await tx.query<{ last: Date | null }>(
    'SELECT max(due_at) AS last FROM intake_robot_deliveries WHERE robot = ANY($1::text[])',
    [groups],
  );
  const last = rows[0]?.last;
  return last && last.getTime() + spacingMs > now.getTime() ? new Date(last.getTime() + spacingMs) : now;
}

export async function insertRobotDelivery(tx: Db, d: { ticketId: string; robot: string; body: string; dueAt: Date }, now: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO intake_robot_deliveries (ticket_id, robot, body, due_at, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (ticket_id) DO NOTHING`,
    [d.ticketId, d.robot, d.body, d.dueAt, now],
  );
  return (rowCount ?? 0) > 0;
}

/** Takes the delivery for one attempt: null when delivered already or held by another run (`held`). */
export async function claimRobotDelivery(db: Db, ticketId: string, now: Date, leaseMs: number): Promise<{ row: RobotDeliveryRow | null; held: boolean }> {
  const { rows } = await db.query<RobotDeliveryRow>(
    `UPDATE intake_robot_deliveries SET lease_until = $2::timestamptz + make_interval(secs => $3::double precision / 1000), attempts = attempts + 1
      WHERE ticket_id = $1 AND status <> 'delivered' AND (lease_until IS NULL OR lease_until <= $2)
      RETURNING ${COLUMNS}`,
    [ticketId, now, leaseMs],
  );
  if (rows[0]) return { row: rows[0], held: false };
  const { rows: other } = await db.query<{ status: string }>('SELECT status FROM intake_robot_deliveries WHERE ticket_id = $1', [ticketId]);
  return { row: null, held: other[0] !== undefined && other[0].status !== 'delivered' };
}

export async function finishRobotDelivery(
  db: Db, ticketId: string, outcome: { status: 'delivered' | 'retrying' | 'not_configured'; error: string | null }, now: Date,
): Promise<void> {
  await db.query(
    `UPDATE intake_robot_deliveries SET status = $2, last_error = $3, lease_until = NULL,
            delivered_at = CASE WHEN $2 = 'delivered' THEN $4::timestamptz ELSE delivered_at END
      WHERE ticket_id = $1 AND status <> 'delivered'`,
    [ticketId, outcome.status, outcome.error, now],
  );
}

export async function robotDeliveryOf(db: Db, ticketId: string): Promise<RobotDeliveryRow | null> {
  const { rows } = await db.query<RobotDeliveryRow>(`SELECT ${COLUMNS} FROM intake_robot_deliveries WHERE ticket_id = $1`, [ticketId]);
  return rows[0] ?? null;
}
