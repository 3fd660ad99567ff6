// The supervision board (SPEC §7, §12): open tickets with a reached escalation step, one row per
// deadline, highest level first — the same list for the API and the page.
import { LEVEL_LABELS, type Level } from '../domain/deadlines.js';
import { handlerCounts, supervisionItems, unstaffedTickets } from '../db/supervision.repository.js';
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
