// Staff inbox entries written by the staff-notifications queue: at most one per (ticket,
// template, audience, round, deadline), so a job that runs twice adds nothing the second time.
import { insertStaffNotification } from '../db/notifications.repository.js';
import type { Payload } from '../queue/names.js';
import type { ServiceDeps } from './deps.js';

/** Returns whether the entry is new. */
export async function recordStaffNotification(deps: Pick<ServiceDeps, 'db' | 'clock'>, p: Payload<'staff-notifications'>): Promise<boolean> {
  return insertStaffNotification(deps.db, { ...p, round: p.version, now: deps.clock.now() });
}
