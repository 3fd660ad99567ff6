// The queries behind each role's inbox: tickets awaiting the caller's action, and the staff
// notifications addressed to them.
import { CLERK_WORK_STATUSES, WITH_DEPARTMENT_STATUSES } from '../domain/ticket.js';
import { COHANDLING_STATUSES } from '../domain/ticket-rules.js';
import type { Db } from './tx.js';
import { TICKET_COLUMNS, mapTicket, type TicketRow } from './tickets.repository.js';

const LIMIT = 200;

/** Handler: the department's tickets to accept or work on, the nearest open deadline (row) first. */
export async function departmentWork(db: Db, departmentCode: string): Promise<TicketRow[]> {
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t
      WHERE (t.department_code = $1 AND t.status = ANY($2))
         -- SPEC §18: tickets it co-handles while its sign-off or answer is awaited.
         OR (t.co_handlers <> '[]' AND t.status = ANY($3)
             AND (t.co_handlers @> $4::jsonb OR t.co_handlers @> $5::jsonb))
      ORDER BY (SELECT min(d.due_at) FROM ticket_deadlines d
                 WHERE d.ticket_id = t.id AND d.state = 'open'
                   AND (d.kind IN ('sign_off', 'resolve') OR (d.kind = 'co_handle' AND d.department_code = $1))), t.id
      LIMIT ${LIMIT}`,
    [departmentCode, WITH_DEPARTMENT_STATUSES, COHANDLING_STATUSES,
      JSON.stringify([{ departmentCode, state: 'assigned' }]), JSON.stringify([{ departmentCode, state: 'accepted' }])],
  );
  return rows.map(mapTicket);
}

/** Supervisor: returns, extension, pause and screening requests awaiting a decision, and flagged tickets. */
export async function supervisorWork(db: Db, now: Date): Promise<TicketRow[]> {
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t
      WHERE t.status = 'returned' OR (t.status = 'in_progress' AND (t.pending_extension IS NOT NULL OR t.pending_pause IS NOT NULL))
         OR (t.pending_screening IS NOT NULL AND t.status <> ALL('{closed,merged}'))
         OR (t.supervisor_flag AND t.status <> 'merged' AND t.closed_at > $1::timestamptz - interval '30 days')
      ORDER BY t.updated_at LIMIT ${LIMIT}`,
    [now],
  );
  return rows.map(mapTicket);
}

/** Clerk: tickets waiting to be assigned, and replies waiting for the follow-up call. */
export async function clerkWork(db: Db): Promise<TicketRow[]> {
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t
      WHERE t.status = ANY($1)
      ORDER BY COALESCE(t.follow_up_due_at, t.due_at), t.id LIMIT ${LIMIT}`,
    [CLERK_WORK_STATUSES],
  );
  return rows.map(mapTicket);
}

export interface StaffNotificationRow {
  id: string;
  ticketNo: string;
  template: string;
  audience: string;
  departmentCode: string | null;
  /** Which deadline an escalation step is about (null for other notifications). */
  deadline: 'signOff' | 'resolve' | 'coHandle' | null;
  createdAt: Date;
}

export async function staffNotificationsFor(db: Db, q: { departmentCode: string | null; audiences: string[]; now: Date }): Promise<StaffNotificationRow[]> {
  const { rows } = await db.query(
    `SELECT n.id::text, t.ticket_no, n.template, n.audience, n.department_code, n.deadline, n.created_at
       FROM staff_notifications n JOIN tickets t ON t.id = n.ticket_id
      WHERE ((n.audience = ANY($2) AND n.audience <> 'department') OR (n.audience = 'department' AND n.department_code = $1))
        -- SPEC §18: a reminder raised out of office hours shows from the next start.
        AND (n.visible_at IS NULL OR n.visible_at <= $3)
      ORDER BY n.created_at DESC, n.id DESC LIMIT ${LIMIT}`,
    [q.departmentCode, q.audiences, q.now],
  );
  return rows.map((r) => ({
    id: r.id,
    ticketNo: r.ticket_no,
    template: r.template,
    audience: r.audience,
    departmentCode: r.department_code,
    deadline: r.deadline,
    createdAt: r.created_at,
  }));
}
