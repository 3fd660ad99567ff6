// Deadlines as rows (SPEC §7, §18; migration 0019): each ticket's open rows read under its lock,
// an action's plan written (closed, changed, new), due steps claimed for the sweeper, and the
// steps applied set-based, each row conditional on the level read, so a step never applies twice.
import type { Db } from './tx.js';
import { TICKET_COLUMNS, mapTicket, type TicketRow } from './tickets.repository.js';
import type { DeadlineRecord } from '../domain/escalation.js';

const COLUMNS = `d.id::text AS id, d.ticket_id::text AS ticket_id, d.kind, d.department_code, d.started_at, d.due_at, d.level,
  d.paused_at, d.paused_ms::float8 AS paused_ms, d.next_step_at, d.state, d.closed_at`;

export interface DeadlineRow extends DeadlineRecord {
  id: string;
  ticketId: string;
  state: 'open' | 'done';
  closedAt: Date | null;
}

function mapRow(r: Record<string, unknown>): DeadlineRow {
  return {
    id: r.id as string,
    ticketId: r.ticket_id as string,
    kind: r.kind as DeadlineRow['kind'],
    departmentCode: r.department_code as string | null,
    startedAt: r.started_at as Date,
    dueAt: r.due_at as Date,
    level: r.level as DeadlineRow['level'],
    pausedAt: r.paused_at as Date | null,
    pausedMs: Number(r.paused_ms),
    nextStepAt: r.next_step_at as Date | null,
    state: r.state as DeadlineRow['state'],
    closedAt: r.closed_at as Date | null,
  };
}

/** The open rows of these tickets (the caller holds their row locks). */
export async function openDeadlinesOf(db: Db, ticketIds: string[]): Promise<DeadlineRow[]> {
  if (ticketIds.length === 0) return [];
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM ticket_deadlines d WHERE d.ticket_id = ANY($1::bigint[]) AND d.state = 'open' ORDER BY d.id`,
    [ticketIds],
  );
  return rows.map(mapRow);
}

/** Every row of one ticket, open first, then the newest closed (the staff view's `deadlines`). */
export async function deadlinesOf(db: Db, ticketId: string): Promise<DeadlineRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM ticket_deadlines d WHERE d.ticket_id = $1 ORDER BY d.state = 'open' DESC, d.id`,
    [ticketId],
  );
  return rows.map(mapRow);
}

/** Closes every open row of a ticket (a past case imported closed: nothing left to watch). */
export async function closeAllDeadlines(db: Db, ticketId: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE ticket_deadlines SET state = 'done', closed_at = $2, next_step_at = NULL, paused_at = NULL
      WHERE ticket_id = $1 AND state = 'open'`,
    [ticketId, now],
  );
}

/** An action's plan for one ticket: closes rows, rewrites the changed ones, inserts the new ones. */
export async function writeDeadlines(
  db: Db,
  ticketId: string,
  plan: { closed: DeadlineRecord[]; changed: DeadlineRecord[]; added: DeadlineRecord[] },
  now: Date,
): Promise<void> {
  // Closing first: a replaced deadline (a new sign-off clock) frees its open slot for the new row.
  if (plan.closed.length > 0) {
    await db.query(
      `UPDATE ticket_deadlines SET state = 'done', closed_at = $2, next_step_at = NULL, paused_at = NULL
        WHERE id = ANY($1::bigint[]) AND state = 'open'`,
      [plan.closed.map((d) => d.id), now],
    );
  }
  if (plan.changed.length > 0) {
    await db.query(
      `UPDATE ticket_deadlines d SET department_code = u.department_code, due_at = u.due_at, level = u.level,
              paused_at = u.paused_at, paused_ms = u.paused_ms, next_step_at = u.next_step_at
         FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[], $6::bigint[], $7::timestamptz[])
              AS u(id, department_code, due_at, level, paused_at, paused_ms, next_step_at)
        WHERE d.id = u.id`,
      columns(plan.changed, (d) => [d.id, d.departmentCode, d.dueAt, d.level, d.pausedAt, Math.round(d.pausedMs), d.nextStepAt]),
    );
  }
  if (plan.added.length > 0) {
    await db.query(
      `INSERT INTO ticket_deadlines (ticket_id, kind, department_code, started_at, due_at, level, paused_at, paused_ms, next_step_at)
       SELECT $1::bigint, u.* FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::timestamptz[], $8::bigint[], $9::timestamptz[]) AS u`,
      [ticketId, ...columns(plan.added, (d) => [d.kind, d.departmentCode, d.startedAt, d.dueAt, d.level, d.pausedAt, Math.round(d.pausedMs), d.nextStepAt])],
    );
  }
}

/** Rows → one array per column, for unnest. */
function columns<T>(rows: T[], pick: (r: T) => unknown[]): unknown[][] {
  const picked = rows.map(pick);
  return (picked[0] ?? []).map((_, i) => picked.map((p) => p[i]));
}

/**
 * Up to `limit` tickets with a deadline step whose time has come, earliest step first, locked and
 * read whole, skipping tickets another transaction holds (a job or an action on it right now).
 * The inner walk follows the partial index on next_step_at and stops after `limit` rows.
 */
export async function claimDueTickets(db: Db, now: Date, limit: number): Promise<TicketRow[]> {
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t
      WHERE t.id IN (SELECT d.ticket_id FROM ticket_deadlines d WHERE d.next_step_at <= $1 ORDER BY d.next_step_at LIMIT $2)
      FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(mapTicket);
}

export interface StepUpdate {
  id: string;
  /** The level read under the ticket's lock: the row changes only if it is still the same. */
  fromLevel: string | null;
  level: string | null;
  nextStepAt: Date | null;
}

/** Writes many rows' ladder state in one statement; returns the ids actually updated. */
export async function updateSteps(db: Db, updates: StepUpdate[]): Promise<Set<string>> {
  if (updates.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `UPDATE ticket_deadlines d SET level = u.level, next_step_at = u.next_at
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) AS u(id, from_level, level, next_at)
      WHERE d.id = u.id AND d.state = 'open' AND d.level IS NOT DISTINCT FROM u.from_level
      RETURNING d.id::text AS id`,
    columns(updates, (u) => [u.id, u.fromLevel, u.level, u.nextStepAt]),
  );
  return new Set(rows.map((r) => r.id));
}

export interface LeadMirror {
  ticketId: string;
  escalationLevel: string | null;
  signOffEscalationLevel: string | null;
  calendarWarning: boolean;
}

/**
 * The lead department's levels copied onto the tickets rows (lists, filters and views read them
 * there; the ladder reads only the deadline rows).
 */
export async function writeLeadMirrors(db: Db, mirrors: LeadMirror[]): Promise<void> {
  if (mirrors.length === 0) return;
  await db.query(
    `UPDATE tickets t SET escalation_level = u.level, sign_off_escalation_level = u.sign_off_level,
            calendar_warning = t.calendar_warning OR u.calendar_warning
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::boolean[]) AS u(id, level, sign_off_level, calendar_warning)
      WHERE t.id = u.id`,
    columns(mirrors, (m) => [m.ticketId, m.escalationLevel, m.signOffEscalationLevel, m.calendarWarning]),
  );
}

/** Open deadlines whose days reach into [from, to) (a calendar year), with their ticket's number. */
export async function openDeadlinesAcross(db: Db, from: Date, to: Date): Promise<(DeadlineRow & { ticketNo: string })[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS}, t.ticket_no FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id
      WHERE d.state = 'open' AND d.due_at >= $1 AND d.started_at < $2 ORDER BY d.ticket_id, d.id`,
    [from, to],
  );
  return rows.map((r) => ({ ...mapRow(r), ticketNo: r.ticket_no as string }));
}

export interface DueMove {
  id: string;
  ticketId: string;
  kind: string;
  dueAt: Date;
  nextStepAt: Date | null;
}

/**
 * Moves deadlines (a calendar change applied): each row's due instant and next step, and the lead
 * department's copies on the ticket (due_at, sign_off_due_at, follow_up_due_at).
 */
export async function moveDeadlines(db: Db, moves: DueMove[]): Promise<void> {
  if (moves.length === 0) return;
  await db.query(
    `UPDATE ticket_deadlines d SET due_at = u.due_at, next_step_at = u.next_at
       FROM unnest($1::bigint[], $2::timestamptz[], $3::timestamptz[]) AS u(id, due_at, next_at)
      WHERE d.id = u.id AND d.state = 'open'`,
    columns(moves, (m) => [m.id, m.dueAt, m.nextStepAt]),
  );
  for (const [kind, column] of [['resolve', 'due_at'], ['sign_off', 'sign_off_due_at'], ['follow_up', 'follow_up_due_at']] as const) {
    const pairs = moves.filter((m) => m.kind === kind).map((m) => [m.ticketId, m.dueAt] as const);
    if (pairs.length === 0) continue;
    await db.query(
      `UPDATE tickets t SET ${column} = u.due_at FROM unnest($1::bigint[], $2::timestamptz[]) AS u(id, due_at) WHERE t.id = u.id`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
  }
}

/** Locks these tickets (an admin change moving their deadlines serialises with actions on them). */
export async function lockTickets(db: Db, ticketIds: string[]): Promise<void> {
  if (ticketIds.length === 0) return;
  await db.query('SELECT 1 FROM tickets WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [ticketIds]);
}
