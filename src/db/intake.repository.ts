// WeChat / WeCom messages waiting for triage (SPEC §17, migration 0018): stored once per platform
// message (the unique (source, dedupe_key) absorbs the platform's retries), listed newest first by
// status, locked and marked when a clerk registers or dismisses them; their media's fetch state.
import type { Db } from './tx.js';
import type { IntakeSource } from '../domain/wechat-message.js';

export type IntakeStatus = 'pending' | 'registered' | 'dismissed';

export interface NewIntakeMessage {
  source: IntakeSource;
  dedupeKey: string;
  msgType: string;
  sender: string | null;
  senderName: string | null;
  groupId: string | null;
  body: string | null;
  mediaId: string | null;
  mediaFormat: string | null;
  lat: number | null;
  lng: number | null;
  event: string | null;
  sentAt: Date | null;
  receivedAt: Date;
  /** Events are recorded already dismissed with this reason (nothing for a clerk to do). */
  dismissReason?: string;
}

export interface IntakeMessageRow extends Omit<NewIntakeMessage, 'event' | 'dismissReason'> {
  id: string;
  mediaStatus: 'none' | 'pending' | 'stored' | 'failed';
  status: IntakeStatus;
  ticketId: string | null;
  ticketNo: string | null;
  dismissReason: string | null;
}

const COLUMNS = `m.id::text AS id, m.source, m.msg_type AS "msgType", m.sender, m.sender_name AS "senderName", m.group_id AS "groupId",
  m.body, m.media_id AS "mediaId", m.media_format AS "mediaFormat", m.media_status AS "mediaStatus", m.lat, m.lng,
  m.sent_at AS "sentAt", m.received_at AS "receivedAt", m.status, m.ticket_id::text AS "ticketId", t.ticket_no AS "ticketNo",
  m.dismiss_reason AS "dismissReason", m.dedupe_key AS "dedupeKey"`;
const FROM = 'intake_messages m LEFT JOIN tickets t ON t.id = m.ticket_id';

/** Stores a message unless the platform already delivered it: `inserted` false on a retry. */
export async function insertMessage(db: Db, m: NewIntakeMessage): Promise<{ id: string; inserted: boolean }> {
  const mediaStatus = m.mediaId ? 'pending' : 'none';
  const status = m.dismissReason ? 'dismissed' : 'pending';
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO intake_messages (source, dedupe_key, msg_type, sender, sender_name, group_id, body, media_id, media_format, media_status,
                                  lat, lng, event, sent_at, received_at, status, dismiss_reason, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, CASE WHEN $16 = 'dismissed' THEN $15::timestamptz END)
     ON CONFLICT (source, dedupe_key) DO NOTHING
     RETURNING id::text AS id`,
    [m.source, m.dedupeKey, m.msgType, m.sender, m.senderName, m.groupId, m.body, m.mediaId, m.mediaFormat, mediaStatus,
      m.lat, m.lng, m.event, m.sentAt, m.receivedAt, status, m.dismissReason ?? null],
  );
  if (rows[0]) return { id: rows[0].id, inserted: true };
  const { rows: old } = await db.query<{ id: string }>(
    'SELECT id::text AS id FROM intake_messages WHERE source = $1 AND dedupe_key = $2',
    [m.source, m.dedupeKey],
  );
  return { id: old[0].id, inserted: false };
}

/** One status, newest first, keyset after (receivedAt, id) of the previous page; received since `since`. */
export async function listMessages(
  db: Db, q: { status: IntakeStatus; since: Date | null; after: { receivedAt: Date; id: string } | null; limit: number },
): Promise<IntakeMessageRow[]> {
  const { rows } = await db.query<IntakeMessageRow>(
    `SELECT ${COLUMNS} FROM ${FROM}
      WHERE m.status = $1 AND ($2::timestamptz IS NULL OR m.received_at >= $2)
        AND ($3::timestamptz IS NULL OR (m.received_at, m.id) < ($3, $4::bigint))
      ORDER BY m.received_at DESC, m.id DESC
      LIMIT $5`,
    [q.status, q.since, q.after?.receivedAt ?? null, q.after?.id ?? null, q.limit],
  );
  return rows;
}

export async function messagesById(db: Db, ids: readonly string[], forUpdate = false): Promise<IntakeMessageRow[]> {
  const { rows } = await db.query<IntakeMessageRow>(
    forUpdate
      ? `SELECT ${COLUMNS} FROM ${FROM} WHERE m.id = ANY($1::bigint[]) ORDER BY m.id FOR UPDATE OF m`
      : `SELECT ${COLUMNS} FROM ${FROM} WHERE m.id = ANY($1::bigint[]) ORDER BY m.id`,
    [ids],
  );
  return rows;
}

export interface AttachmentRef {
  id: string;
  intakeMessageId: string;
  kind: string;
  mime: string;
  hasThumb: boolean;
}

export async function attachmentsOfMessages(db: Db, ids: readonly string[]): Promise<AttachmentRef[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<AttachmentRef>(
    `SELECT id::text AS id, intake_message_id::text AS "intakeMessageId", kind, mime, thumb_sha256 IS NOT NULL AS "hasThumb"
       FROM attachments WHERE intake_message_id = ANY($1::bigint[]) ORDER BY id`,
    [ids],
  );
  return rows;
}

/** The messages registered as `ticketId`; their attachments now belong to the ticket too. */
export async function markRegistered(tx: Db, ids: readonly string[], ticketId: string, userId: string | null, now: Date): Promise<void> {
  await tx.query(
    `UPDATE intake_messages SET status = 'registered', ticket_id = $2, decided_by = $3, decided_at = $4 WHERE id = ANY($1::bigint[])`,
    [ids, ticketId, userId, now],
  );
  await tx.query('UPDATE attachments SET ticket_id = $2 WHERE intake_message_id = ANY($1::bigint[]) AND ticket_id IS NULL', [ids, ticketId]);
}

/** Dismisses a pending message; null when it is not pending (or does not exist). */
export async function dismissMessage(db: Db, id: string, reason: string, userId: string | null, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE intake_messages SET status = 'dismissed', dismiss_reason = $2, decided_by = $3, decided_at = $4
      WHERE id = $1 AND status = 'pending'`,
    [id, reason, userId, now],
  );
  return (rowCount ?? 0) > 0;
}

/** Media fetch bookkeeping: stored / failed with the reason (no personal data in it). */
export async function setMediaStatus(db: Db, id: string, status: 'stored' | 'failed' | 'pending', error: string | null): Promise<void> {
  await db.query('UPDATE intake_messages SET media_status = $2, media_error = $3 WHERE id = $1', [id, status, error]);
}

/** Whether the message already has an attachment (a fetch finished before a crash marked it). */
export async function hasAttachment(db: Db, id: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM attachments WHERE intake_message_id = $1 LIMIT 1', [id]);
  return rows.length > 0;
}

/**
 * A file that arrived after its message was registered goes to the ticket too. The message row's
 * lock waits for a registration still in progress, so its ticket is seen either way.
 */
export async function linkLateAttachments(tx: Db, id: string): Promise<void> {
  const { rows } = await tx.query<{ ticketId: string | null }>('SELECT ticket_id::text AS "ticketId" FROM intake_messages WHERE id = $1 FOR UPDATE', [id]);
  if (!rows[0]?.ticketId) return;
  await tx.query('UPDATE attachments SET ticket_id = $2 WHERE intake_message_id = $1 AND ticket_id IS NULL', [id, rows[0].ticketId]);
}
