// The supervision board: open deadlines (rows, migration 0019) with a reached ladder step.
import { WITH_DEPARTMENT_STATUSES } from '../domain/ticket.js';
import type { Db } from './tx.js';

export interface SupervisionRow {
  ticketNo: string;
  departmentCode: string | null;
  deadline: 'resolve' | 'signOff' | 'coHandle';
  level: string;
  dueAt: Date;
  status: string;
}

/** Open deadline rows (SPEC §18) with a reached ladder step, highest level first. */
export async function supervisionItems(db: Db, limit = 500): Promise<SupervisionRow[]> {
  const { rows } = await db.query(
    `SELECT t.ticket_no, d.department_code, d.level, d.due_at, t.status,
            CASE d.kind WHEN 'sign_off' THEN 'signOff' WHEN 'co_handle' THEN 'coHandle' ELSE 'resolve' END AS deadline
       FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id
      WHERE d.state = 'open' AND d.level IS NOT NULL
      ORDER BY array_position(ARRAY['summons','escalated','overdue','warning'], d.level), d.due_at, t.ticket_no
      LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    ticketNo: r.ticket_no,
    departmentCode: r.department_code,
    deadline: r.deadline,
    level: r.level,
    dueAt: r.due_at,
    status: r.status,
  }));
}

/** Active handlers per department (every department, 0 included). */
export async function handlerCounts(db: Db): Promise<Map<string, number>> {
  const { rows } = await db.query<{ code: string; n: number }>(
    `SELECT d.code, count(u.id)::int AS n
       FROM departments d
       LEFT JOIN users u ON u.department_code = d.code AND u.active AND 'handler' = ANY(u.roles)
      GROUP BY d.code`,
  );
  return new Map(rows.map((r) => [r.code, r.n]));
}

export interface UnstaffedRow {
  ticketNo: string;
  departmentCode: string;
  dueAt: Date;
  status: string;
}

/** Open tickets waiting in a department that has no active handler: nobody will ever sign them off. */
export async function unstaffedTickets(db: Db, limit = 500): Promise<UnstaffedRow[]> {
  const { rows } = await db.query(
    `SELECT t.ticket_no, t.department_code, t.due_at, t.status
       FROM tickets t
      WHERE t.status = ANY($2) AND t.department_code IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM users u WHERE u.department_code = t.department_code AND u.active AND 'handler' = ANY(u.roles))
      ORDER BY t.due_at, t.ticket_no
      LIMIT $1`,
    [limit, WITH_DEPARTMENT_STATUSES],
  );
  return rows.map((r) => ({ ticketNo: r.ticket_no, departmentCode: r.department_code, dueAt: r.due_at, status: r.status }));
}

export interface ScreeningRow {
  ticketNo: string;
  departmentCode: string | null;
  category: string;
  screenedAt: Date;
  status: string;
}

/** Tickets screened (甄别, SPEC §18) in [from, to), newest first. */
export async function screenedTickets(db: Db, from: Date, to: Date, limit = 1000): Promise<ScreeningRow[]> {
  const { rows } = await db.query(
    `SELECT t.ticket_no, t.department_code, t.screening_category, t.screened_at, t.status
       FROM tickets t WHERE t.screened_at >= $1 AND t.screened_at < $2
      ORDER BY t.screened_at DESC, t.id DESC LIMIT $3`,
    [from, to, limit],
  );
  return rows.map((r) => ({ ticketNo: r.ticket_no, departmentCode: r.department_code, category: r.screening_category, screenedAt: r.screened_at, status: r.status }));
}
