// The staff ticket list (SPEC §12): filters, the q search and keyset pagination on
// (received_at, id). SQL only; the service decides who sees what.
import { AWAITING_REPLY_STATUSES } from '../domain/ticket.js';
import type { Db } from './tx.js';
import { TICKET_COLUMNS, mapTicket, type TicketRow } from './tickets.repository.js';

export interface TicketFilters {
  status?: string[];
  departmentCode?: string;
  /** A handler's own scope: the department's tickets and those it co-handles (SPEC §18). */
  visibleToDepartment?: string;
  categoryCode?: string;
  kind?: string;
  channel?: string;
  source?: string;
  overdue?: boolean;
  escalation?: string;
  q?: string;
  from?: Date;
  to?: Date;
  cursor?: { receivedAt: Date; id: string };
  limit: number;
  now: Date;
}


/** The jsonb containment that finds a co-handling department's tickets (GIN index, migration 0021). */
export const coHandlerMatch = (departmentCode: string): string => JSON.stringify([{ departmentCode }]);

/** Newest received first, keyset-paginated on (received_at, id). */
export async function listTickets(db: Db, f: TicketFilters): Promise<TicketRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]): void => {
    for (const value of values) {
      params.push(value);
      sql = sql.replace('?', `$${params.length}`);
    }
    where.push(sql);
  };
  if (f.status?.length) add('t.status = ANY(?)', f.status);
  if (f.departmentCode) add('t.department_code = ?', f.departmentCode);
  if (f.visibleToDepartment !== undefined) {
    add(`(t.department_code = ? OR (t.co_handlers <> '[]' AND t.co_handlers @> ?::jsonb))`, f.visibleToDepartment, coHandlerMatch(f.visibleToDepartment));
  }
  if (f.categoryCode) add('t.category_code = ?', f.categoryCode);
  if (f.kind) add('t.kind = ?', f.kind);
  if (f.channel) add('t.channel = ?', f.channel);
  if (f.source) add('t.source = ?', f.source);
  // A pause in force is never overdue (SPEC §18).
  if (f.overdue === true) add('t.status = ANY(?) AND NOT t.paused AND t.due_at < ?', AWAITING_REPLY_STATUSES, f.now);
  if (f.overdue === false) add('NOT (t.status = ANY(?) AND NOT t.paused AND t.due_at < ?)', AWAITING_REPLY_STATUSES, f.now);
  if (f.escalation) add('? IN (t.escalation_level, t.sign_off_escalation_level)', f.escalation);
  if (f.q) {
    // SPEC §12: ticket number (whole or part), external number (exact: the 12345 platform's,
    // SPEC §15), phone (whole or last 4), complainant name, or words of the content.
    const q = f.q.trim();
    const digits = f.q.replace(/[\s()（）-]/g, '');
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    params.push(q);
    const ext = `t.external_no = $${params.length}`;
    if (/^\d{4}$/.test(digits)) {
      // The partial index tickets_phone_last4_idx (migration 0015) wants its predicate spelled out.
      add(`((t.complainant_phone IS NOT NULL AND right(replace(t.complainant_phone, '-', ''), 4) = ?) OR ${ext})`, digits);
    } else if (/^\d{5,15}$/.test(digits)) {
      params.push(`%${digits}%`, digits);
      where.push(`(t.ticket_no LIKE $${params.length - 1} OR replace(t.complainant_phone, '-', '') = $${params.length} OR ${ext})`);
    } else {
      params.push(like);
      where.push(`(t.content ILIKE $${params.length} ESCAPE '\\' OR t.complainant_name ILIKE $${params.length} ESCAPE '\\' OR ${ext})`);
    }
  }
  if (f.from) add('t.received_at >= ?', f.from);
  if (f.to) add('t.received_at < ?', f.to);
  if (f.cursor) {
    params.push(f.cursor.receivedAt, f.cursor.id);
    where.push(`(t.received_at, t.id) < ($${params.length - 1}, $${params.length}::bigint)`);
  }
  params.push(f.limit);
  const { rows } = await db.query(
    `SELECT ${TICKET_COLUMNS} FROM tickets t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY t.received_at DESC, t.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(mapTicket);
}
