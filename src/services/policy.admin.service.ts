// Admin changes to the holiday calendar and the SLA policy (SPEC §7), audited. Existing tickets
// keep the deadlines they were given; new limits apply from the next deadline computed.
import { calendarYearProblems, type CalendarYear } from '../domain/calendar.js';
import { validationError } from '../domain/errors.js';
import type { SlaPolicy } from '../domain/sla.js';
import { withTx } from '../db/tx.js';
import { appendAudit } from '../db/audit.repository.js';
import { loadCalendarYears, saveSlaPolicy, upsertCalendarYear } from '../db/policy.repository.js';
import { getPolicy, invalidatePolicyCache } from './policy.service.js';
import type { ServiceDeps } from './deps.js';

export async function getCalendarYear(deps: ServiceDeps, year: number): Promise<CalendarYear & { configured: boolean }> {
  const y = (await loadCalendarYears(deps.db)).find((c) => c.year === year);
  return y ? { ...y, configured: true } : { year, holidays: [], workdays: [], configured: false };
}

export async function putCalendarYear(deps: ServiceDeps, actor: string, y: CalendarYear): Promise<CalendarYear> {
  const problems = calendarYearProblems(y);
  if (problems.length) throw validationError(problems);
  const sorted = { year: y.year, holidays: [...y.holidays].sort(), workdays: [...y.workdays].sort() };
  const now = deps.clock.now();
  await withTx(deps.db, async (tx) => {
    await upsertCalendarYear(tx, sorted, now);
    await appendAudit(tx, { actor, action: 'calendar.put', target: `calendar:${y.year}`, data: sorted, at: now });
  });
  invalidatePolicyCache(deps);
  return sorted;
}

export async function getSla(deps: ServiceDeps): Promise<SlaPolicy> {
  return (await getPolicy(deps)).policy;
}

export async function putSla(deps: ServiceDeps, actor: string, policy: SlaPolicy): Promise<SlaPolicy> {
  const now = deps.clock.now();
  await withTx(deps.db, async (tx) => {
    await saveSlaPolicy(tx, policy, now);
    await appendAudit(tx, { actor, action: 'sla.put', target: 'sla', data: policy as unknown as Record<string, unknown>, at: now });
  });
  invalidatePolicyCache(deps);
  return policy;
}
