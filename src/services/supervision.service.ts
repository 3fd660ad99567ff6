// The supervision board (SPEC §7, §12): open tickets with a reached escalation step, one row per
// deadline, highest level first — the same list for the API and the page.
import { LEVEL_LABELS, type Level } from '../domain/deadlines.js';
import { handlerCounts, screenedTickets, supervisionItems, unstaffedTickets } from '../db/supervision.repository.js';
import { listEventsOfType } from '../db/ticket-events.repository.js';
import { SCREENING_LABELS } from '../domain/ticket-labels.js';
import { monthRange, MONTH_RE } from '../domain/stats.js';
import { validationError } from '../domain/errors.js';
import type { ScreeningCategory } from '../domain/ticket-rules.js';
import type { ServiceDeps } from './deps.js';

export async function supervisionBoard(deps: Pick<ServiceDeps, 'db'>) {
  return (await supervisionItems(deps.db)).map((r) => ({
    ticketNo: r.ticketNo,
    departmentCode: r.departmentCode,
    deadline: r.deadline,
    level: r.level as Level,
    levelLabel: LEVEL_LABELS[r.level as Level],
    dueAt: r.dueAt,
    status: r.status,
  }));
}

/** Tickets sitting in a department with no active handler (auto-routing sent them there). */
export async function unstaffedBoard(deps: Pick<ServiceDeps, 'db'>) {
  return unstaffedTickets(deps.db);
}

/** Active handlers of each department, for the departments page. */
export async function departmentHandlerCounts(deps: Pick<ServiceDeps, 'db'>): Promise<Map<string, number>> {
  return handlerCounts(deps.db);
}

/**
 * The month's screenings (甄别, SPEC §18) for the supervisor: each approved one with its category
 * and the handler's reason (from the approving `screening_decided` event).
 */
export async function screeningsOfMonth(deps: Pick<ServiceDeps, 'db'>, month: string) {
  if (!MONTH_RE.test(month)) throw validationError([{ path: 'month', message: '月份格式应为 YYYY-MM' }]);
  const { from, to } = monthRange(month);
  const rows = await screenedTickets(deps.db, from, to);
  const decided = await listEventsOfType(deps.db, rows.map((r) => r.ticketNo), 'screening_decided');
  const reasonOf = new Map(decided.filter((e) => e.data.approve === true).map((e) => [e.ticketNo, e.data.reason as string | undefined]));
  return {
    month,
    items: rows.map((r) => ({
      ticketNo: r.ticketNo,
      departmentCode: r.departmentCode,
      category: r.category as ScreeningCategory,
      categoryLabel: SCREENING_LABELS[r.category as ScreeningCategory] ?? r.category,
      reason: reasonOf.get(r.ticketNo) ?? null,
      screenedAt: r.screenedAt.toISOString(),
      status: r.status,
    })),
  };
}
