// Tickets and their timeline. Personal data (name, phone, address) lives only here and in Postgres.
import type { Db } from './tx.js';
// Timeline text goes through storableJson: an unpaired surrogate or NUL would make the JSON the
// events travel in unreadable to jsonb (the chain itself is hashed by the database from what it stored).
import { storableJson } from './storable.js';

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
  resolveStartedAt: Date;
  nextEscalationAt: Date | null;
  signOffNextEscalationAt: Date | null;
  version: number;
}

export const TICKET_COLUMNS = `t.id::text, t.ticket_no, t.status, t.outcome, t.kind, t.channel, t.content,
  t.complainant_name, t.complainant_phone, t.anonymous, t.confidential, t.village_code, t.address,
  t.category_code, t.department_code, t.access_code, t.wechat, t.received_at, t.registered_at,
  t.registered_by::text, t.assigned_at, t.accepted_at, t.sign_off_due_at, t.due_at, t.replied_at,
  t.follow_up_due_at, t.closed_at, t.escalation_level, t.sign_off_escalation_level, t.calendar_warning,
  t.reopen_count, t.leader_attention, t.supervisor_flag, t.merged_into, t.pending_extension, t.reply,
  t.result, t.public_summary, t.satisfaction, t.resolved, t.resolve_started_at, t.next_escalation_at,
  t.sign_off_next_escalation_at, t.version`;

export function mapTicket(r: Record<string, unknown>): TicketRow {
  return {
    id: r.id as string,
    ticketNo: r.ticket_no as string,
    status: r.status as string,
    outcome: r.outcome as string | null,
    kind: r.kind as string,
    channel: r.channel as string,
    content: r.content as string,
    complainantName: r.complainant_name as string | null,
    complainantPhone: r.complainant_phone as string | null,
    anonymous: r.anonymous as boolean,
    confidential: r.confidential as boolean,
    villageCode: r.village_code as string | null,
    address: r.address as string | null,
    categoryCode: r.category_code as string | null,
    departmentCode: r.department_code as string | null,
    accessCode: r.access_code as string | null,
    wechat: r.wechat as TicketRow['wechat'],
    receivedAt: r.received_at as Date,
    registeredAt: r.registered_at as Date,
    registeredBy: r.registered_by as string | null,
    assignedAt: r.assigned_at as Date | null,
    acceptedAt: r.accepted_at as Date | null,
    signOffDueAt: r.sign_off_due_at as Date | null,
    dueAt: r.due_at as Date,
    repliedAt: r.replied_at as Date | null,
    followUpDueAt: r.follow_up_due_at as Date | null,
    closedAt: r.closed_at as Date | null,
    escalationLevel: r.escalation_level as string | null,
    signOffEscalationLevel: r.sign_off_escalation_level as string | null,
    calendarWarning: r.calendar_warning as boolean,
    reopenCount: r.reopen_count as number,
    leaderAttention: r.leader_attention as boolean,
    supervisorFlag: r.supervisor_flag as boolean,
    mergedInto: r.merged_into as string | null,
    pendingExtension: r.pending_extension as TicketRow['pendingExtension'],
    reply: r.reply as string | null,
    result: r.result as string | null,
    publicSummary: r.public_summary as string | null,
    satisfaction: r.satisfaction as string | null,
    resolved: r.resolved as boolean | null,
    resolveStartedAt: r.resolve_started_at as Date,
    nextEscalationAt: r.next_escalation_at as Date | null,
    signOffNextEscalationAt: r.sign_off_next_escalation_at as Date | null,
    version: r.version as number,
  };
}

export interface NewTicket {
  ticketNo: string;
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
  accessCode: string | null;
  wechat: TicketRow['wechat'];
  receivedAt: Date;
  registeredAt: Date;
  registeredBy: string | null;
  registeredViaKey: string | null;
  dueAt: Date;
  calendarWarning: boolean;
  nextEscalationAt: Date | null;
}

export async function findTicketByNo(db: Db, ticketNo: string, forUpdate = false): Promise<TicketRow | null> {
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.ticket_no = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [ticketNo],
  );
  return rows[0] ? mapTicket(rows[0]) : null;
}

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

export interface NewEvent {
  type: string;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  note: string | null;
  public: boolean;
  data: Record<string, unknown>;
}

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

export type DuplicateCandidate = Pick<
  TicketRow,
  'ticketNo' | 'content' | 'complainantPhone' | 'villageCode' | 'categoryCode' | 'receivedAt' | 'status'
>;

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
          registered_at, registered_by, registered_via_key, due_at, calendar_warning, updated_at, resolve_started_at,
          next_escalation_at)
       VALUES ($1, 'registered', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $15, $14, $20)
       ON CONFLICT (ticket_no) DO NOTHING
       RETURNING ${TICKET_COLUMNS})
     SELECT ins.*,
            CASE WHEN $6::text IS NOT NULL OR ($9::text IS NOT NULL AND $11::text IS NOT NULL) THEN
              (SELECT coalesce(json_agg(json_build_object('ticketNo', d.ticket_no, 'content', d.content,
                        'complainantPhone', d.complainant_phone, 'villageCode', d.village_code,
                        'categoryCode', d.category_code, 'receivedAt', d.received_at, 'status', d.status)
                        ORDER BY d.received_at DESC), '[]'::json)
                 FROM (SELECT ticket_no, content, complainant_phone, village_code, category_code, received_at, status
                         FROM tickets
                        WHERE received_at >= $21 AND status NOT IN ('merged')
                          AND ((complainant_phone = $6) OR (village_code = $9 AND category_code = $11))
                        ORDER BY received_at DESC LIMIT 50) d)
            END AS duplicate_candidates
       FROM ins`,
    values: [
      t.ticketNo, t.kind, t.channel, t.content, t.complainantName, t.complainantPhone, t.anonymous,
      t.confidential, t.villageCode, t.address, t.categoryCode, t.accessCode, t.wechat, t.receivedAt,
      t.registeredAt, t.registeredBy, t.registeredViaKey, t.dueAt, t.calendarWarning, t.nextEscalationAt, since,
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
  resolveStartedAt: Date;
  nextEscalationAt: Date | null;
  signOffNextEscalationAt: Date | null;
}

/** Writes a decided state; the version check makes a lost update impossible even without the row lock. */
export async function updateTicket(db: Db, id: string, version: number, u: TicketUpdate, now: Date): Promise<TicketRow> {
  const { rows } = await db.query(
    `UPDATE tickets t SET status = $3, outcome = $4, department_code = $5, category_code = $6, reopen_count = $7,
        pending_extension = $8, leader_attention = $9, result = $10, satisfaction = $11, resolved = $12, reply = $13,
        public_summary = $14, merged_into = $15, supervisor_flag = $16, assigned_at = $17, accepted_at = $18,
        replied_at = $19, closed_at = $20, sign_off_due_at = $21, due_at = $22, follow_up_due_at = $23,
        escalation_level = $24, sign_off_escalation_level = $25, calendar_warning = $26,
        resolve_started_at = $28, next_escalation_at = $29, sign_off_next_escalation_at = $30,
        version = version + 1, updated_at = $27
      WHERE id = $1 AND version = $2
      RETURNING ${TICKET_COLUMNS}`,
    [
      id, version, u.status, u.outcome, u.departmentCode, u.categoryCode, u.reopenCount,
      u.pendingExtension ? JSON.stringify(u.pendingExtension) : null, u.leaderAttention, u.result, u.satisfaction,
      u.resolved, u.reply, u.publicSummary, u.mergedInto, u.supervisorFlag, u.assignedAt, u.acceptedAt, u.repliedAt,
      u.closedAt, u.signOffDueAt, u.dueAt, u.followUpDueAt, u.escalationLevel, u.signOffEscalationLevel,
      u.calendarWarning, now, u.resolveStartedAt, u.nextEscalationAt, u.signOffNextEscalationAt,
    ],
  );
  if (!rows[0]) throw new Error(`ticket ${id} changed concurrently (version ${version})`);
  return mapTicket(rows[0]);
}

export async function findTicketById(db: Db, id: string): Promise<TicketRow | null> {
  const { rows } = await db.query(`SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.id = $1`, [id]);
  return rows[0] ? mapTicket(rows[0]) : null;
}

export interface EscalationUpdate {
  id: string;
  /** The levels read under the row lock: the update applies only if they are still the same. */
  from: { escalationLevel: string | null; signOffEscalationLevel: string | null };
  escalationLevel: string | null;
  signOffEscalationLevel: string | null;
  nextEscalationAt: Date | null;
  signOffNextEscalationAt: Date | null;
  calendarWarning: boolean;
}

/**
 * Writes many tickets' ladder state in one statement. Each row is conditional on the levels read
 * under the row lock, so a step can never be applied twice; returns the ids actually updated.
 */
export async function updateEscalations(db: Db, updates: EscalationUpdate[]): Promise<Set<string>> {
  if (updates.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `UPDATE tickets t SET escalation_level = u.level, sign_off_escalation_level = u.sign_off_level,
            next_escalation_at = u.next_at, sign_off_next_escalation_at = u.sign_off_next_at,
            calendar_warning = u.calendar_warning
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::boolean[])
            AS u(id, from_level, from_sign_off_level, level, sign_off_level, next_at, sign_off_next_at, calendar_warning)
      WHERE t.id = u.id AND t.escalation_level IS NOT DISTINCT FROM u.from_level
        AND t.sign_off_escalation_level IS NOT DISTINCT FROM u.from_sign_off_level
      RETURNING t.id::text AS id`,
    [
      updates.map((u) => u.id),
      updates.map((u) => u.from.escalationLevel),
      updates.map((u) => u.from.signOffEscalationLevel),
      updates.map((u) => u.escalationLevel),
      updates.map((u) => u.signOffEscalationLevel),
      updates.map((u) => u.nextEscalationAt),
      updates.map((u) => u.signOffNextEscalationAt),
      updates.map((u) => u.calendarWarning),
    ],
  );
  return new Set(rows.map((r) => r.id));
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

/**
 * Up to `limit` tickets with a ladder step whose time has come, earliest first, locked and read
 * whole, without waiting on rows another transaction holds (a job applying that ticket's step right
 * now). One ladder at a time, so that each is a walk along its partial index that stops after
 * `limit` rows: a single query over both columns (OR, ORDER BY LEAST) has to read and sort every
 * due row, which a backlog of 100 000 due tickets turned into 80 ms per batch (EXPLAIN ANALYZE).
 */
export async function claimDueEscalations(db: Db, now: Date, limit: number): Promise<TicketRow[]> {
  const { rows: resolve } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.next_escalation_at <= $1
      ORDER BY t.next_escalation_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  if (resolve.length >= limit) return resolve.map(mapTicket);
  const { rows: signOff } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t WHERE t.sign_off_next_escalation_at <= $1 AND t.id <> ALL($3::bigint[])
      ORDER BY t.sign_off_next_escalation_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit - resolve.length, resolve.map((r) => r.id)],
  );
  return [...resolve, ...signOff].map(mapTicket);
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
