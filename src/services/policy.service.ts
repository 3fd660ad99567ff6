// The calendar and SLA policy as services read them: loaded from Postgres and kept for a few
// seconds, on the injected clock, in a cache the composition root builds once per process
// (src/runtime.ts). They change a few times a year; admin writes invalidate at once locally.
import { WorkCalendar } from '../domain/calendar.js';
import type { SlaPolicy } from '../domain/sla.js';
import { loadCalendarYears, loadOfficeHours, loadSlaPolicy } from '../db/policy.repository.js';
import { DEFAULT_OFFICE_HOURS, type OfficeHours } from '../domain/office-hours.js';
import type { Db } from '../db/tx.js';
import type { ServiceDeps } from './deps.js';

const TTL_MS = 10_000;

export interface Policy {
  at: number;
  calendar: WorkCalendar;
  years: number[];
  policy: SlaPolicy;
  /** SPEC §18: when staff reminders are shown. */
  officeHours: OfficeHours;
}

export interface PolicyCache {
  current: Policy | null;
}

export function createPolicyCache(): PolicyCache {
  return { current: null };
}

export function invalidatePolicyCache(deps: Pick<ServiceDeps, 'policy'>): void {
  deps.policy.current = null;
}

/** The policy in force, read through `db` (a transaction's client, or the pool) when the cache has expired. */
export async function getPolicy(deps: Pick<ServiceDeps, 'db' | 'clock' | 'policy'>, db: Db = deps.db): Promise<Policy> {
  const cache = deps.policy;
  const now = deps.clock.now().getTime();
  // A clock moved back (tests) expires the cache too.
  if (cache.current && now >= cache.current.at && now - cache.current.at < TTL_MS) return cache.current;
  // One after the other: `db` may be a transaction's client, which runs one query at a time.
  const years = await loadCalendarYears(db);
  const policy = await loadSlaPolicy(db);
  const officeHours = await loadOfficeHours(db);
  if (!policy) throw new Error('sla_policy row missing: migrations not applied?');
  cache.current = {
    at: now, calendar: new WorkCalendar(years), years: years.map((y) => y.year), policy: policy as SlaPolicy,
    officeHours: officeHours ?? DEFAULT_OFFICE_HOURS,
  };
  return cache.current;
}
