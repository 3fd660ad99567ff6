// The calendar and SLA policy as services read them: loaded from Postgres and kept for a few
// seconds per process (they change a few times a year; admin writes invalidate at once locally).
import { WorkCalendar } from '../domain/calendar.js';
import type { SlaPolicy } from '../domain/sla.js';
import { loadCalendarYears, loadSlaPolicy } from '../db/policy.repository.js';
import type { Db } from '../db/tx.js';

const TTL_MS = 10_000;

interface Cached {
  at: number;
  calendar: WorkCalendar;
  years: number[];
  policy: SlaPolicy;
}

let cache: Cached | null = null;

export function invalidatePolicyCache(): void {
  cache = null;
}

export async function getPolicy(db: Db): Promise<Cached> {
  if (cache && Date.now() - cache.at < TTL_MS) return cache;
  const [years, policy] = await Promise.all([loadCalendarYears(db), loadSlaPolicy(db)]);
  if (!policy) throw new Error('sla_policy row missing: migrations not applied?');
  cache = { at: Date.now(), calendar: new WorkCalendar(years), years: years.map((y) => y.year), policy: policy as SlaPolicy };
  return cache;
}
