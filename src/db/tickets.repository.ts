// Tickets (their timeline is ticket-events.repository.ts). Personal data (name, phone, address) lives only here and in Postgres.
import type { Db } from './tx.js';
import { columnOf } from './rows.js';
import type { CoHandler, TicketSource } from '../domain/ticket-rules.js';

export interface TicketRow {
  id: string;
  ticketNo: string;
  status: string;
  outcome: string | null;
  kind: string;
  channel: string;
  content: string;
  complainantName: string | null;
  complainantPhone: string | null;
  anonymous: boolean;
  confidential: boolean;
  villageCode: string | null;
  address: string | null;
  categoryCode: string | null;
  departmentCode: string | null;
  accessCode: string | null;
  wechat: { group?: string; sender?: string; messageId?: string } | null;
  receivedAt: Date;
  registeredAt: Date;
  registeredBy: string | null;
  assignedAt: Date | null;
  acceptedAt: Date | null;
  signOffDueAt: Date | null;
  dueAt: Date;
  repliedAt: Date | null;
  followUpDueAt: Date | null;
  closedAt: Date | null;
  escalationLevel: string | null;
  signOffEscalationLevel: string | null;
  calendarWarning: boolean;
  reopenCount: number;
  leaderAttention: boolean;
  supervisorFlag: boolean;
  mergedInto: string | null;
  pendingExtension: { workingDays: number; reason: string } | null;
  reply: string | null;
  result: string | null;
  publicSummary: string | null;
  satisfaction: string | null;
  resolved: boolean | null;
  version: number;
  /** SPEC §18 (migration 0020): pause and screening requests, a pause in force, screening, report up. */
  pendingPause: { reason: string; until: string | null } | null;
  paused: boolean;
  pendingScreening: { category: string; reason: string } | null;
  screeningCategory: string | null;
  screenedAt: Date | null;
  reportedUpAt: Date | null;
  /** SPEC §18 (migration 0021): the co-handling departments, each with its sign-off and answer. */
  coHandlers: CoHandler[];
  /** SPEC §15: `local`, `hotline_12345`, `open311`, `wechat`, `import`. */
  source: TicketSource;
  externalNo: string | null;
  /** WGS-84, both or neither (migration 0012). */
  lat: number | null;
  lng: number | null;
}

export type { TicketSource };

/**
 * The one descriptor of the tickets columns a TicketRow reads: the SELECT list, the row mapping and
 * the UPDATE below are generated from it (column = the field in snake_case). Ids travel as text.
 */
const ROW_FIELDS: Record<keyof TicketRow, true> = {
  id: true, ticketNo: true, status: true, outcome: true, kind: true, channel: true, content: true,
  complainantName: true, complainantPhone: true, anonymous: true, confidential: true, villageCode: true, address: true,
  categoryCode: true, departmentCode: true, accessCode: true, wechat: true, receivedAt: true, registeredAt: true,
  registeredBy: true, assignedAt: true, acceptedAt: true, signOffDueAt: true, dueAt: true, repliedAt: true,
  followUpDueAt: true, closedAt: true, escalationLevel: true, signOffEscalationLevel: true, calendarWarning: true,
  reopenCount: true, leaderAttention: true, supervisorFlag: true, mergedInto: true, pendingExtension: true, reply: true,
  result: true, publicSummary: true, satisfaction: true, resolved: true, version: true,
  pendingPause: true, paused: true, pendingScreening: true, screeningCategory: true, screenedAt: true, reportedUpAt: true,
  coHandlers: true, source: true, externalNo: true, lat: true, lng: true,
};
const ROW_KEYS = Object.keys(ROW_FIELDS) as (keyof TicketRow)[];
const AS_TEXT: ReadonlySet<keyof TicketRow> = new Set(['id', 'registeredBy']);


export const TICKET_COLUMNS = ROW_KEYS.map((k) => `t.${columnOf(k)}${AS_TEXT.has(k) ? '::text' : ''}`).join(', ');

export function mapTicket(r: Record<string, unknown>): TicketRow {
  return Object.fromEntries(ROW_KEYS.map((k) => [k, r[columnOf(k)]])) as unknown as TicketRow;
}

export type NewTicket = Pick<
  TicketRow,
  | 'ticketNo' | 'kind' | 'channel' | 'content' | 'complainantName' | 'complainantPhone' | 'anonymous' | 'confidential'
  | 'villageCode' | 'address' | 'categoryCode' | 'accessCode' | 'wechat' | 'receivedAt' | 'registeredAt' | 'registeredBy'
  | 'dueAt' | 'calendarWarning' | 'source' | 'externalNo' | 'lat' | 'lng'
> & { registeredViaKey: string | null; resolveNextStepAt: Date | null };

export async function findTicketByNo(db: Db, ticketNo: string, forUpdate = false): Promise<TicketRow | null> {
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.ticket_no = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [ticketNo],
  );
  return rows[0] ? mapTicket(rows[0]) : null;
}

export type DuplicateCandidate = Pick<
  TicketRow,
  'ticketNo' | 'content' | 'complainantPhone' | 'villageCode' | 'categoryCode' | 'receivedAt' | 'status'
>;

/**
 * The duplicate candidates' read (SPEC §4), with the placeholders of the statement that embeds it:
 * the newest 50 tickets (not merged) since `since` sharing the phone, or the village and category.
 * Each key is its own branch on its own partial index (migration 0015) and stops at 50 rows, so at
 * most 100 rows are read however full the week is (SPEC §14: ≤ 200); the newest 50 of their union
 * are the newest 50 of `phone = … OR (village = … AND category = …)`.
 */
export function duplicateCandidatesSql(phone: string, village: string, category: string, since: string): string {
  const cols = 'ticket_no, content, complainant_phone, village_code, category_code, received_at, status';
  return `(SELECT ${cols} FROM tickets
            WHERE complainant_phone = ${phone}::text AND status <> 'merged' AND received_at >= ${since}
            ORDER BY received_at DESC LIMIT 50)
          UNION
          (SELECT ${cols} FROM tickets
            WHERE village_code = ${village}::text AND category_code = ${category}::text AND status <> 'merged'
              AND received_at >= ${since}
            ORDER BY received_at DESC LIMIT 50)
          ORDER BY received_at DESC LIMIT 50`;
}

/**
 * Registration's write and read in one round trip: inserts the ticket (null when its number is
 * already taken) and finds the duplicate candidates — tickets (not merged) since `since` sharing the
 * phone, or the village and category, newest 50 — from the statement's snapshot, which does not yet
 * hold the new ticket.
 */
export async function insertTicketFindingDuplicates(
  db: Db,
  t: NewTicket,
  since: Date,
): Promise<{ row: TicketRow; candidates: DuplicateCandidate[] } | null> {
  const { rows } = await db.query({
    name: 'hy-insert-ticket-duplicates',
    text: `WITH ins AS (
       INSERT INTO tickets AS t (ticket_no, status, kind, channel, content, complainant_name, complainant_phone,
          anonymous, confidential, village_code, address, category_code, access_code, wechat, received_at,
          registered_at, registered_by, registered_via_key, due_at, calendar_warning, updated_at,
          source, external_no, lat, lng)
       VALUES ($1, 'registered', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $15,
               $22, $23, $24, $25)
       ON CONFLICT (ticket_no) DO NOTHING
       RETURNING ${TICKET_COLUMNS}),
     -- The resolve deadline starts when the resident raised the demand (SPEC §7): its row, same statement.
     dl AS (
       INSERT INTO ticket_deadlines (ticket_id, kind, started_at, due_at, next_step_at)
       SELECT ins.id::bigint, 'resolve', $14, $18, $20 FROM ins)
     SELECT ins.*,
            CASE WHEN $6::text IS NOT NULL OR ($9::text IS NOT NULL AND $11::text IS NOT NULL) THEN
              (SELECT coalesce(json_agg(json_build_object('ticketNo', d.ticket_no, 'content', d.content,
                        'complainantPhone', d.complainant_phone, 'villageCode', d.village_code,
                        'categoryCode', d.category_code, 'receivedAt', d.received_at, 'status', d.status)
                        ORDER BY d.received_at DESC), '[]'::json)
                 FROM (${duplicateCandidatesSql('$6', '$9', '$11', '$21')}) d)
            END AS duplicate_candidates
       FROM ins`,
    values: [
      t.ticketNo, t.kind, t.channel, t.content, t.complainantName, t.complainantPhone, t.anonymous,
      t.confidential, t.villageCode, t.address, t.categoryCode, t.accessCode, t.wechat, t.receivedAt,
      t.registeredAt, t.registeredBy, t.registeredViaKey, t.dueAt, t.calendarWarning, t.resolveNextStepAt, since,
      t.source, t.externalNo, t.lat, t.lng,
    ],
  });
  if (!rows[0]) return null;
  const candidates = (rows[0].duplicate_candidates ?? []) as (Omit<DuplicateCandidate, 'receivedAt'> & { receivedAt: string })[];
  return { row: mapTicket(rows[0]), candidates: candidates.map((c) => ({ ...c, receivedAt: new Date(c.receivedAt) })) };
}

export interface TicketUpdate {
  status: string;
  outcome: string | null;
  departmentCode: string | null;
  categoryCode: string | null;
  reopenCount: number;
  pendingExtension: TicketRow['pendingExtension'];
  leaderAttention: boolean;
  result: string | null;
  satisfaction: string | null;
  resolved: boolean | null;
  reply: string | null;
  publicSummary: string | null;
  mergedInto: string | null;
  supervisorFlag: boolean;
  assignedAt: Date | null;
  acceptedAt: Date | null;
  repliedAt: Date | null;
  closedAt: Date | null;
  signOffDueAt: Date | null;
  dueAt: Date;
  followUpDueAt: Date | null;
  escalationLevel: string | null;
  signOffEscalationLevel: string | null;
  calendarWarning: boolean;
  pendingPause: TicketRow['pendingPause'];
  paused: boolean;
  pendingScreening: TicketRow['pendingScreening'];
  screeningCategory: string | null;
  screenedAt: Date | null;
  reportedUpAt: Date | null;
  coHandlers: CoHandler[];
}

const JSON_FIELDS: ReadonlySet<keyof TicketUpdate> = new Set(['pendingExtension', 'pendingPause', 'pendingScreening', 'coHandlers']);

/** Writes a decided state; the version check makes a lost update impossible even without the row lock. */
export async function updateTicket(db: Db, id: string, version: number, u: TicketUpdate, now: Date): Promise<TicketRow> {
  // Only fields of a ticket row are written (the type says so; this keeps it true at run time too).
  const keys = (Object.keys(u) as (keyof TicketUpdate)[]).filter((k) => k in ROW_FIELDS && !AS_TEXT.has(k));
  const values = keys.map((k) => (JSON_FIELDS.has(k) && u[k] ? JSON.stringify(u[k]) : u[k]));
  const { rows } = await db.query(
    `UPDATE tickets t SET ${keys.map((k, i) => `${columnOf(k)} = $${i + 4}`).join(', ')}, version = version + 1, updated_at = $3
      WHERE id = $1 AND version = $2
      RETURNING ${TICKET_COLUMNS}`,
    [id, version, now, ...values],
  );
  if (!rows[0]) throw new Error(`ticket ${id} changed concurrently (version ${version})`);
  return mapTicket(rows[0]);
}

export async function findTicketById(db: Db, id: string): Promise<TicketRow | null> {
  const { rows } = await db.query(`SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.id = $1`, [id]);
  return rows[0] ? mapTicket(rows[0]) : null;
}



export async function findTicketByIdForUpdate(db: Db, id: string): Promise<TicketRow | null> {
  const { rows } = await db.query(`SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.id = $1 FOR UPDATE`, [id]);
  return rows[0] ? mapTicket(rows[0]) : null;
}

/** Replied tickets whose reply is older than the cutoff: due for the no-response close. */
export async function findUnansweredReplies(db: Db, repliedBefore: Date, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT t.id::text AS id FROM tickets t WHERE t.status = 'replied' AND t.replied_at <= $1 ORDER BY t.replied_at LIMIT $2`,
    [repliedBefore, limit],
  );
  return rows.map((r) => r.id);
}

/** The ticket an outside system's number names within its source (unique: migration 0012). */
/**
 * Which of these numbers already name a ticket here (SPEC §15 re-imports): an outside number of any
 * source, or one of this system's own ticket numbers (a ledger exported from here). On indexes.
 */
export async function existingNumbers(db: Db, numbers: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < numbers.length; i += 5000) {
    const batch = numbers.slice(i, i + 5000);
    const { rows } = await db.query<{ n: string }>(
      `SELECT external_no AS n FROM tickets WHERE external_no = ANY($1::text[])
       UNION SELECT ticket_no FROM tickets WHERE ticket_no = ANY($1::text[])`,
      [batch],
    );
    for (const r of rows) found.add(r.n);
  }
  return found;
}

export async function findTicketByExternalNo(db: Db, source: TicketSource, externalNo: string): Promise<TicketRow | null> {
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.source = $1 AND t.external_no = $2`,
    [source, externalNo],
  );
  return rows[0] ? mapTicket(rows[0]) : null;
}
