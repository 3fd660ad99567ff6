// The outbox as the workers see it: a job whose processor returned marks its outbox rows done,
// so the reconciler republishes only rows whose effect never happened.
import { markDone } from '../db/outbox.repository.js';
import type { ServiceDeps } from './deps.js';

export async function jobDone(deps: Pick<ServiceDeps, 'db' | 'clock'>, jobId: string): Promise<void> {
  await markDone(deps.db, jobId, deps.clock.now());
}
