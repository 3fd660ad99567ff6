// Counting for the performance statistics (SPEC §9). A ticket belongs to the month of its
// receivedAt (Asia/Shanghai) and to its current department. Sign-offs and replies are counted as
// events: every assignment or reopen starts a sign-off clock (the 响应率 denominator), and each
// `accepted` / `replied` event records whether it met the deadline in force at that moment.
import { AWAITING_REPLY_STATUSES, SCREENING_CATEGORIES } from '../domain/ticket.js';
import type { ScreeningCategory } from '../domain/ticket-rules.js';
import type { Db } from './tx.js';
import type { CountsLike } from '../domain/stats.js';

export interface DepartmentCounts extends CountsLike {
  departmentCode: string | null;
  received: number;
  reopened: number;
  returned: number;
  improperReturns: number;
  escalations: Record<string, number>;
  /** SPEC §18: screened tickets (甄别), out of the 三率 denominators, counted by category. */
  screened: number;
  screenedByCategory: Record<ScreeningCategory, number>;
}

const SATISFIED = `('very_satisfied','satisfied','basically_satisfied')`;

/**
 * The events of one ticket of the period, read on ticket_events_ticket_idx — as a LATERAL
 * subquery kept apart by OFFSET 0, so the planner cannot turn it into a hash join over every
 * event of every year (it did: 1.9 of 2.9 million events read for a month at 1 000 000 tickets,
 * 2.7 s; statistics must not read rows outside their range, SPEC §14). Followed by the types.
 */
const EVENTS_OF_T = 'SELECT e.ticket_id, e.type, e.actor_id, e.at, e.data FROM ticket_events e WHERE e.ticket_id = t.id AND e.type IN ';

/** Ticket-level and event-level counts per department in one pass each. */
export async function departmentCounts(db: Db, from: Date, to: Date, now: Date): Promise<DepartmentCounts[]> {
  const { rows } = await db.query(
    `WITH t AS (
       SELECT id, department_code, status, assigned_at, accepted_at, sign_off_due_at, replied_at, due_at,
              screening_category, screening_category IS NULL AS rated
         FROM tickets WHERE received_at >= $1 AND received_at < $2
     ), ev AS (
       -- A screened ticket (甄别, SPEC §18) is still answered but leaves the 三率 (t.rated false).
       SELECT t.department_code,
              count(*) FILTER (WHERE t.rated AND e.type = 'followed_up' AND (e.data->>'reached')::boolean) AS reached,
              count(*) FILTER (WHERE t.rated AND e.type = 'followed_up' AND (e.data->>'reached')::boolean AND (e.data->>'resolved')::boolean) AS resolved,
              count(*) FILTER (WHERE t.rated AND e.type = 'followed_up' AND (e.data->>'reached')::boolean AND e.data->>'satisfaction' IN ${SATISFIED}) AS satisfied,
              count(*) FILTER (WHERE t.rated AND e.type IN ('assigned', 'reopened')) AS sign_offs,
              count(*) FILTER (WHERE t.rated AND e.type = 'accepted' AND (e.data->>'onTime')::boolean) AS accepted_on_time,
              count(*) FILTER (WHERE t.rated AND e.type = 'replied') AS replied,
              count(*) FILTER (WHERE t.rated AND e.type = 'replied' AND (e.data->>'onTime')::boolean) AS replied_on_time,
              count(*) FILTER (WHERE e.type = 'reopened') AS reopened,
              count(*) FILTER (WHERE e.type = 'returned') AS returned,
              count(*) FILTER (WHERE e.type = 'return_decided' AND (e.data->>'improper')::boolean) AS improper,
              count(*) FILTER (WHERE e.type = 'escalation' AND e.data->>'level' = 'warning') AS esc_warning,
              count(*) FILTER (WHERE e.type = 'escalation' AND e.data->>'level' = 'overdue') AS esc_overdue,
              count(*) FILTER (WHERE e.type = 'escalation' AND e.data->>'level' = 'escalated') AS esc_escalated,
              count(*) FILTER (WHERE e.type = 'escalation' AND e.data->>'level' = 'summons') AS esc_summons
         FROM t CROSS JOIN LATERAL (${EVENTS_OF_T}('assigned', 'accepted', 'replied', 'followed_up', 'reopened', 'returned', 'return_decided', 'escalation')
                OFFSET 0) e
        GROUP BY t.department_code
     ), tk AS (
       SELECT department_code,
              count(*) AS received,
              count(*) FILTER (WHERE NOT rated) AS screened,
              ${SCREENING_CATEGORIES.map((c) => `count(*) FILTER (WHERE screening_category = '${c}') AS scr_${c}`).join(',\n              ')},
              count(*) FILTER (WHERE rated AND status = ANY($4) AND EXISTS (
                SELECT 1 FROM ticket_deadlines d WHERE d.ticket_id = t.id AND d.kind = 'resolve' AND d.state = 'open'
                   AND d.paused_at IS NULL AND d.due_at < $3)) AS overdue_open
         FROM t GROUP BY department_code
     )
     SELECT tk.*, COALESCE(ev.sign_offs, 0) AS assigned, COALESCE(ev.accepted_on_time, 0) AS accepted_on_time,
            COALESCE(ev.replied, 0) AS replied, COALESCE(ev.replied_on_time, 0) AS replied_on_time,
            COALESCE(ev.reached, 0) AS reached, COALESCE(ev.resolved, 0) AS resolved,
            COALESCE(ev.satisfied, 0) AS satisfied, COALESCE(ev.reopened, 0) AS reopened,
            COALESCE(ev.returned, 0) AS returned, COALESCE(ev.improper, 0) AS improper,
            COALESCE(ev.esc_warning, 0) AS esc_warning, COALESCE(ev.esc_overdue, 0) AS esc_overdue,
            COALESCE(ev.esc_escalated, 0) AS esc_escalated, COALESCE(ev.esc_summons, 0) AS esc_summons
       FROM tk LEFT JOIN ev ON ev.department_code IS NOT DISTINCT FROM tk.department_code
      ORDER BY tk.department_code NULLS FIRST`,
    [from, to, now, AWAITING_REPLY_STATUSES],
  );
  return rows.map((r) => ({
    departmentCode: r.department_code,
    received: Number(r.received),
    assigned: Number(r.assigned),
    acceptedOnTime: Number(r.accepted_on_time),
    replied: Number(r.replied),
    repliedOnTime: Number(r.replied_on_time),
    overdueOpen: Number(r.overdue_open),
    followupsReached: Number(r.reached),
    followupsResolved: Number(r.resolved),
    followupsSatisfied: Number(r.satisfied),
    reopened: Number(r.reopened),
    returned: Number(r.returned),
    improperReturns: Number(r.improper),
    escalations: {
      warning: Number(r.esc_warning),
      overdue: Number(r.esc_overdue),
      escalated: Number(r.esc_escalated),
      summons: Number(r.esc_summons),
    },
    screened: Number(r.screened),
    screenedByCategory: Object.fromEntries(SCREENING_CATEGORIES.map((c) => [c, Number(r[`scr_${c}`])])) as Record<ScreeningCategory, number>,
  }));
}

/** SPEC §18: co-handling (协办) work per department, apart from its lead work. */
export interface CoHandlingCounts {
  departmentCode: string;
  coAssigned: number;
  coAccepted: number;
  coAnswered: number;
  coAnsweredOnTime: number;
  coWaived: number;
}

/** The month's tickets' co-handling entries, counted per co-handling department. */
export async function coHandlingCounts(db: Db, from: Date, to: Date): Promise<CoHandlingCounts[]> {
  const { rows } = await db.query(
    `SELECT c->>'departmentCode' AS department_code, count(*)::int AS assigned,
            count(*) FILTER (WHERE c->>'acceptedAt' IS NOT NULL)::int AS accepted,
            count(*) FILTER (WHERE c->>'state' = 'answered')::int AS answered,
            count(*) FILTER (WHERE c->>'state' = 'answered' AND (c->>'onTime')::boolean)::int AS answered_on_time,
            count(*) FILTER (WHERE c->>'state' = 'waived')::int AS waived
       FROM tickets t CROSS JOIN LATERAL jsonb_array_elements(t.co_handlers) c
      WHERE t.received_at >= $1 AND t.received_at < $2 AND t.co_handlers <> '[]'
      GROUP BY 1 ORDER BY 1`,
    [from, to],
  );
  return rows.map((r) => ({
    departmentCode: r.department_code, coAssigned: r.assigned, coAccepted: r.accepted, coAnswered: r.answered,
    coAnsweredOnTime: r.answered_on_time, coWaived: r.waived,
  }));
}

export interface HandlerCounts {
  userId: string;
  username: string;
  displayName: string;
  departmentCode: string | null;
  accepted: number;
  acceptedOnTime: number;
  replied: number;
  repliedOnTime: number;
  returned: number;
  improperReturns: number;
  followupsReached: number;
  followupsResolved: number;
  followupsSatisfied: number;
  reopened: number;
}

/**
 * Per handler: the tickets they signed off (their `accepted` events), the replies they wrote,
 * their returns, and the follow-ups of the tickets they replied to.
 */
export async function handlerCounts(db: Db, from: Date, to: Date): Promise<HandlerCounts[]> {
  const { rows } = await db.query(
    `WITH t AS (
       SELECT id FROM tickets WHERE received_at >= $1 AND received_at < $2
     ), e AS (
       SELECT e.ticket_id, e.type, e.actor_id, e.at, e.data
         FROM t CROSS JOIN LATERAL (${EVENTS_OF_T}('accepted', 'replied', 'returned', 'return_decided', 'followed_up', 'reopened') OFFSET 0) e
     ), replier AS (
       -- the handler whose latest reply each follow-up judged
       SELECT f.ticket_id, f.data, f.type,
              (SELECT r.actor_id FROM e r WHERE r.ticket_id = f.ticket_id AND r.type = 'replied' AND r.at <= f.at
                ORDER BY r.at DESC LIMIT 1) AS actor_id
         FROM e f WHERE f.type IN ('followed_up', 'reopened')
     ), returner AS (
       SELECT d.data, (SELECT r.actor_id FROM e r WHERE r.ticket_id = d.ticket_id AND r.type = 'returned' AND r.at <= d.at
                        ORDER BY r.at DESC LIMIT 1) AS actor_id
         FROM e d WHERE d.type = 'return_decided'
     )
     SELECT u.id::text AS user_id, u.username, u.display_name, u.department_code,
            (SELECT count(*) FROM e WHERE e.actor_id = u.id AND e.type = 'accepted') AS accepted,
            (SELECT count(*) FROM e WHERE e.actor_id = u.id AND e.type = 'accepted' AND (e.data->>'onTime')::boolean) AS accepted_on_time,
            (SELECT count(*) FROM e WHERE e.actor_id = u.id AND e.type = 'replied') AS replied,
            (SELECT count(*) FROM e WHERE e.actor_id = u.id AND e.type = 'replied' AND (e.data->>'onTime')::boolean) AS replied_on_time,
            (SELECT count(*) FROM e WHERE e.actor_id = u.id AND e.type = 'returned') AS returned,
            (SELECT count(*) FROM returner r WHERE r.actor_id = u.id AND (r.data->>'improper')::boolean) AS improper,
            (SELECT count(*) FROM replier r WHERE r.actor_id = u.id AND r.type = 'followed_up' AND (r.data->>'reached')::boolean) AS reached,
            (SELECT count(*) FROM replier r WHERE r.actor_id = u.id AND r.type = 'followed_up' AND (r.data->>'reached')::boolean
                AND (r.data->>'resolved')::boolean) AS resolved,
            (SELECT count(*) FROM replier r WHERE r.actor_id = u.id AND r.type = 'followed_up' AND (r.data->>'reached')::boolean
                AND r.data->>'satisfaction' IN ${SATISFIED}) AS satisfied,
            (SELECT count(*) FROM replier r WHERE r.actor_id = u.id AND r.type = 'reopened') AS reopened
       FROM users u
      WHERE 'handler' = ANY(u.roles) AND EXISTS (SELECT 1 FROM e WHERE e.actor_id = u.id)
      ORDER BY u.department_code, u.username`,
    [from, to],
  );
  return rows.map((r) => ({
    userId: r.user_id,
    username: r.username,
    displayName: r.display_name,
    departmentCode: r.department_code,
    accepted: Number(r.accepted),
    acceptedOnTime: Number(r.accepted_on_time),
    replied: Number(r.replied),
    repliedOnTime: Number(r.replied_on_time),
    returned: Number(r.returned),
    improperReturns: Number(r.improper),
    followupsReached: Number(r.reached),
    followupsResolved: Number(r.resolved),
    followupsSatisfied: Number(r.satisfied),
    reopened: Number(r.reopened),
  }));
}

export async function findSnapshot(db: Db, month: string, scope: string): Promise<{ data: unknown; frozenAt: Date; frozenBy: string } | null> {
  const { rows } = await db.query('SELECT data, frozen_at, frozen_by FROM stats_snapshots WHERE month = $1 AND scope = $2', [month, scope]);
  return rows[0] ? { data: rows[0].data, frozenAt: rows[0].frozen_at, frozenBy: rows[0].frozen_by } : null;
}

/** Freezing is once: a frozen month never changes (ON CONFLICT DO NOTHING). */
export async function insertSnapshot(db: Db, month: string, scope: string, data: unknown, now: Date, by: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO stats_snapshots (month, scope, data, frozen_at, frozen_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (month, scope) DO NOTHING`,
    [month, scope, JSON.stringify(data), now, by],
  );
  return (rowCount ?? 0) > 0;
}
