// Attachments' rows (SPEC §17, migration 0017): files of a ticket or of a WeChat message waiting for
// triage; the bytes are blobs named by the hashes these rows hold.
import type { AttachmentKind, AttachmentPurpose } from '../domain/attachments.js';
import { storableText } from './storable.js';
import type { Db } from './tx.js';

export interface AttachmentRow {
  id: string;
  ticketId: string | null;
  intakeMessageId: string | null;
  purpose: AttachmentPurpose;
  kind: AttachmentKind;
  mime: string;
  sha256: string;
  size: number;
  originalName: string | null;
  thumbSha256: string | null;
  publicSha256: string | null;
  public: boolean;
  uploadedBy: string | null;
  uploadedByName: string | null;
  createdAt: Date;
}

/** What a new row is given; the rest (id, the public copy and switch, the uploader's name) comes later or from joins. */
export type NewAttachment = Omit<AttachmentRow, 'id' | 'publicSha256' | 'public' | 'uploadedByName'>;

const COLUMNS = `a.id::text AS id, a.ticket_id::text AS "ticketId", a.intake_message_id::text AS "intakeMessageId",
  a.purpose, a.kind, a.mime, a.sha256, a.size::float8 AS size, a.original_name AS "originalName",
  a.thumb_sha256 AS "thumbSha256", a.public_sha256 AS "publicSha256", a.public,
  a.uploaded_by::text AS "uploadedBy", u.display_name AS "uploadedByName", a.created_at AS "createdAt"`;
const FROM = 'attachments a LEFT JOIN users u ON u.id = a.uploaded_by';

export async function insertAttachment(db: Db, a: NewAttachment): Promise<AttachmentRow> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO attachments (ticket_id, intake_message_id, purpose, kind, mime, sha256, size, original_name, thumb_sha256, uploaded_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id::text AS id`,
    [a.ticketId, a.intakeMessageId, a.purpose, a.kind, a.mime, a.sha256, a.size,
      a.originalName === null ? null : storableText(a.originalName), a.thumbSha256, a.uploadedBy, a.createdAt],
  );
  return (await attachmentById(db, rows[0]!.id))!;
}

export async function attachmentById(db: Db, id: string): Promise<AttachmentRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const { rows } = await db.query<AttachmentRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE a.id = $1`, [id]);
  return rows[0] ?? null;
}

/** The row locked for a change (FOR UPDATE), without the uploader's name. */
export async function lockAttachment(db: Db, id: string): Promise<AttachmentRow | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const { rows } = await db.query<AttachmentRow>(
    `SELECT ${COLUMNS.replace('u.display_name', 'NULL::text')} FROM attachments a WHERE a.id = $1 FOR UPDATE`, [id],
  );
  return rows[0] ?? null;
}

export async function attachmentsOfTicket(db: Db, ticketId: string): Promise<AttachmentRow[]> {
  const { rows } = await db.query<AttachmentRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE a.ticket_id = $1 ORDER BY a.id`, [ticketId]);
  return rows;
}

/** The public images of a ticket (a resident's /track page shows only these). */
export async function publicImagesOfTicket(db: Db, ticketId: string): Promise<AttachmentRow[]> {
  const { rows } = await db.query<AttachmentRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE a.ticket_id = $1 AND a.public AND a.kind = 'image' AND a.public_sha256 IS NOT NULL ORDER BY a.id`,
    [ticketId],
  );
  return rows;
}

export async function attachmentsOfIntakeMessages(db: Db, messageIds: readonly string[]): Promise<AttachmentRow[]> {
  if (messageIds.length === 0) return [];
  const { rows } = await db.query<AttachmentRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE a.intake_message_id = ANY($1::bigint[]) ORDER BY a.id`, [messageIds],
  );
  return rows;
}

/**
 * Registration from WeChat messages: their attachments become the ticket's (the message id stays,
 * saying where the file came from). Answers how many moved.
 */
export async function moveIntakeAttachmentsToTicket(db: Db, messageIds: readonly string[], ticketId: string): Promise<number> {
  if (messageIds.length === 0) return 0;
  const { rowCount } = await db.query(
    'UPDATE attachments SET ticket_id = $2 WHERE intake_message_id = ANY($1::bigint[]) AND ticket_id IS NULL',
    [messageIds, ticketId],
  );
  return rowCount ?? 0;
}

export async function setAttachmentPublic(db: Db, id: string, pub: boolean, publicSha256: string | null): Promise<void> {
  await db.query('UPDATE attachments SET public = $2, public_sha256 = COALESCE($3, public_sha256) WHERE id = $1', [id, pub, publicSha256]);
}

/**
 * Serialises the blob collector and a writer naming a blob (transaction-scoped): whoever comes
 * second sees the other's work — the row that names the blob, or the blob gone.
 */
export async function lockBlobName(db: Db, sha256: string): Promise<void> {
  await db.query("SELECT pg_advisory_xact_lock(hashtextextended('blob:' || $1, 0))", [sha256]);
}

/** Of `hashes`, those some row names (as the original, thumbnail, public or playable copy). */
export async function namedBlobs(db: Db, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const { rows } = await db.query<{ sha: string }>(
    `SELECT sha256 AS sha FROM attachments WHERE sha256 = ANY($1::text[])
     UNION SELECT thumb_sha256 FROM attachments WHERE thumb_sha256 = ANY($1::text[])
     UNION SELECT public_sha256 FROM attachments WHERE public_sha256 = ANY($1::text[])
     UNION SELECT playable_sha256 FROM attachments WHERE playable_sha256 = ANY($1::text[])`,
    [hashes],
  );
  return new Set(rows.map((r) => r.sha));
}

/** Whether any row names the blob (as the original, thumbnail or public copy). */
export async function blobNamed(db: Db, sha256: string): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM attachments WHERE sha256 = $1 OR thumb_sha256 = $1 OR public_sha256 = $1 OR playable_sha256 = $1 LIMIT 1`,
    [sha256],
  );
  return rows.length > 0;
}
