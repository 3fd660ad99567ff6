// Resident notifications (one row per ticket, template and round) and staff notifications.
import type { Db } from './tx.js';
import { camelRow } from './rows.js';

export interface NotificationRow {
  id: string;
  ticketId: string;
  template: string;
  round: number;
  recipient: string | null;
  body: string;
  provider: string;
  status: 'pending' | 'sent' | 'capped' | 'no_recipient' | 'failed';
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
}

const COLUMNS = 'id::text, ticket_id::text, template, round, recipient, body, provider, status, attempts, created_at, sent_at';
const map = (r: Record<string, unknown>): NotificationRow => camelRow<NotificationRow>(r);

/** Creates the row once; later calls (a retried or duplicated job) get the existing row, locked. */
export async function claimNotification(
  tx: Db,
  n: { ticketId: string; template: string; round: number; recipient: string | null; body: string; provider: string; status: NotificationRow['status']; now: Date },
): Promise<NotificationRow> {
  await tx.query(
    `INSERT INTO notifications (ticket_id, template, round, recipient, body, provider, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ticket_id, template, round) DO NOTHING`,
    [n.ticketId, n.template, n.round, n.recipient, n.body, n.provider, n.status, n.now],
  );
  const { rows } = await tx.query(
    `SELECT ${COLUMNS} FROM notifications WHERE ticket_id = $1 AND template = $2 AND round = $3 FOR UPDATE`,
    [n.ticketId, n.template, n.round],
  );
  return map(rows[0]);
}

export async function countSentToday(tx: Db, recipient: string, dayStart: Date): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM notifications WHERE recipient = $1 AND status = 'sent' AND sent_at >= $2`,
    [recipient, dayStart],
  );
  return rows[0].n;
}

export async function setNotificationStatus(tx: Db, id: string, status: NotificationRow['status'], now: Date, error: string | null = null): Promise<void> {
  await tx.query(
    `UPDATE notifications SET status = $2, attempts = attempts + 1, error = $4,
            sent_at = CASE WHEN $2 = 'sent' THEN $3 ELSE sent_at END
      WHERE id = $1`,
    [id, status, now, error],
  );
}

export async function listNotificationsForTicket(db: Db, ticketId: string): Promise<NotificationRow[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM notifications WHERE ticket_id = $1 ORDER BY notifications.id`, [ticketId]);
  return rows.map(map);
}

export async function insertStaffNotification(
  tx: Db,
  n: { ticketId: string; template: string; audience: string; departmentCode: string | null; round: number; deadline?: string | null; now: Date },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO staff_notifications (ticket_id, template, audience, department_code, round, deadline, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [n.ticketId, n.template, n.audience, n.departmentCode, n.round, n.deadline ?? null, n.now],
  );
  return (rowCount ?? 0) > 0;
}

export interface NewStaffNotification {
  ticketId: string;
  template: string;
  audience: string;
  departmentCode: string | null;
  round: number;
  deadline?: string | null;
  now: Date;
  /** SPEC §18: shown from this instant (office hours); absent: at once. */
  visibleAt?: Date | null;
}

/** Many staff notifications in one statement; each one at most once. Returns how many were new. */
export async function insertStaffNotifications(tx: Db, list: NewStaffNotification[]): Promise<number> {
  if (list.length === 0) return 0;
  const { rowCount } = await tx.query(
    `INSERT INTO staff_notifications (ticket_id, template, audience, department_code, round, deadline, created_at, visible_at)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::timestamptz[], $8::timestamptz[])
     ON CONFLICT DO NOTHING`,
    [
      list.map((n) => n.ticketId),
      list.map((n) => n.template),
      list.map((n) => n.audience),
      list.map((n) => n.departmentCode),
      list.map((n) => n.round),
      list.map((n) => n.deadline ?? null),
      list.map((n) => n.now),
      list.map((n) => n.visibleAt ?? null),
    ],
  );
  return rowCount ?? 0;
}

/** Serialises the daily-cap check of one recipient across concurrent jobs and workers. */
export async function lockRecipient(tx: Db, recipient: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('sms:' || $1, 0))`, [recipient]);
}
