// The supervision board: open tickets with a reached ladder step, one row per deadline.
import type { Db } from './tx.js';

export interface SupervisionRow {
  ticketNo: string;
  departmentCode: string | null;
  deadline: 'resolve' | 'signOff';
  level: string;
  dueAt: Date;
  status: string;
}

export async function supervisionItems(db: Db, limit = 500): Promise<SupervisionRow[]> {
  const { rows } = await db.query(
    `SELECT * FROM (
       SELECT ticket_no, department_code, 'resolve' AS deadline, escalation_level AS level, due_at, status
         FROM tickets WHERE escalation_level IS NOT NULL AND status IN ('registered','assigned','in_progress','returned')
       UNION ALL
       SELECT ticket_no, department_code, 'signOff', sign_off_escalation_level, sign_off_due_at, status
         FROM tickets WHERE sign_off_escalation_level IS NOT NULL AND status = 'assigned'
     ) s
     ORDER BY array_position(ARRAY['summons','escalated','overdue','warning'], s.level), s.due_at, s.ticket_no
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
