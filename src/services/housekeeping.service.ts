// Housekeeping: keeps the short-lived tables small, and writes the day's audit checkpoints (the
// anchors that show removed audit rows or timeline events), and removes attachments' blobs no row
// names any more. Safe to run twice or on several workers.
import type { ServiceDeps } from './deps.js';
import { pruneIdempotencyKeys } from '../db/idempotency.repository.js';
import { pruneExpired } from '../db/housekeeping.repository.js';
import { pruneOutbox } from '../db/outbox.repository.js';
import { writeCheckpoints } from './audit.service.js';
import { collectBlobs } from './blob-collector.service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export async function housekeeping(deps: Pick<ServiceDeps, 'db' | 'clock' | 'config' | 'log' | 'blobs'>): Promise<Record<string, number>> {
  const now = deps.clock.now().getTime();
  // Idempotency keys are promised for at least 24 hours; keep them 48.
  const idempotencyKeys = await pruneIdempotencyKeys(deps.db, new Date(now - 2 * DAY_MS));
  const rest = await pruneExpired(deps.db, { failures: new Date(now - DAY_MS), sessions: new Date(now - DAY_MS) });
  // Done outbox rows are history once their jobs ran; a week is ample for investigation. Rows whose
  // job never completed stay 30 days (the reconciler stops republishing them after 100 tries).
  const outbox = await pruneOutbox(deps.db, new Date(now - 7 * DAY_MS), new Date(now - 30 * DAY_MS));
  const auditCheckpoints = await writeCheckpoints(deps);
  // Attachments' bytes that no row names any more (a deleted ticket's files), a day after.
  const blobs = await collectBlobs(deps);
  return { idempotencyKeys, outbox, ...rest, auditCheckpoints, ...blobs };
}
