// The outbox relay: moves committed outbox rows into the queues, at least once. A row is marked
// published in the same transaction that claimed it, after the queue accepted the job; a crash in
// between re-publishes it with the same deterministic job id, which the queue de-duplicates (and
// every processor is idempotent for the rare case it does not).
import type { Pool } from 'pg';
import { withTx } from '../db/tx.js';
import { claimOutbox, claimUndone, markPublished, markRepublished } from '../db/outbox.repository.js';
import type { Clock } from '../clock.js';
import type { Log } from '../logging.js';
import type { QueueKit } from './backend.js';
import { isQueueName, type QueueName } from './names.js';
import { throttledWarn } from '../resilience.js';

export interface Relay {
  /** Publishes what is pending now; returns how many rows it moved. */
  drain(): Promise<number>;
  /** Republishes rows whose job has not completed `graceMs` after it was due; returns how many. */
  reconcile(): Promise<number>;
  stop(): Promise<void>;
}

const BATCH = 200;

export interface RelayOptions {
  intervalMs?: number;
  /** How long a published row may stay without its effect before it is republished. */
  reconcileGraceMs?: number;
  /** How often the reconciler looks. */
  reconcileEveryMs?: number;
  /** Called after every pass that succeeded (the worker's heartbeat). */
  onPass?: () => void;
}

export function startRelay(deps: { db: Pool; clock: Clock; log: Log }, kit: QueueKit, opts: RelayOptions = {}): Relay {
  const intervalMs = opts.intervalMs ?? 200;
  const graceMs = opts.reconcileGraceMs ?? 60_000;
  const reconcileEveryMs = opts.reconcileEveryMs ?? Math.min(15_000, graceMs);
  let lastReconcile = 0;
  const warn = throttledWarn(deps.log, 'outbox relay', 10_000);
  let stopped = false;
  let running: Promise<number> | null = null;

  async function publishBatch(): Promise<number> {
    return withTx(deps.db, async (tx) => {
      const rows = await claimOutbox(tx, BATCH);
      const now = deps.clock.now();
      for (const row of rows) {
        if (!isQueueName(row.topic)) {
          deps.log.error({ outboxId: row.id, topic: row.topic }, 'outbox row for an unknown queue left unpublished');
          continue;
        }
        await kit.add(row.topic, row.jobId, row.payload, row.availableAt.getTime() - now.getTime());
      }
      await markPublished(tx, rows.filter((r) => isQueueName(r.topic)).map((r) => r.id), now);
      return rows.length;
    });
  }

  /**
   * The reconciler: nothing the workers own is lost to a Redis flush or a lost job. A row whose
   * job has not completed goes to the queue again under the same job id — a no-op while the queue
   * still holds that job (waiting, delayed, active, retrying or failed), a fresh job when it does not.
   */
  async function reconcileBatch(): Promise<number> {
    return withTx(deps.db, async (tx) => {
      const now = deps.clock.now();
      const rows = (await claimUndone(tx, now, graceMs, BATCH)).filter((r) => isQueueName(r.topic));
      for (const row of rows) {
        await kit.add(row.topic as QueueName, row.jobId, row.payload, row.availableAt.getTime() - now.getTime());
      }
      await markRepublished(tx, rows.map((r) => r.id), now);
      return rows.length;
    });
  }

  async function reconcile(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await reconcileBatch();
      total += n;
      if (n < BATCH) break;
    }
    if (total > 0) deps.log.warn({ republished: total }, 'outbox reconciler republished jobs whose effect was missing');
    return total;
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await publishBatch();
      total += n;
      if (n < BATCH) return total;
    }
  }

  const loop = async (): Promise<void> => {
    while (!stopped) {
      running = (async () => {
        const n = await drain();
        if (Date.now() - lastReconcile >= reconcileEveryMs) {
          lastReconcile = Date.now();
          await reconcile();
        }
        opts.onPass?.();
        return n;
      })().catch((err) => {
        warn(err, 'outbox relay pass failed; retrying');
        return 0;
      });
      await running;
      running = null;
      if (!stopped) await new Promise((r) => setTimeout(r, intervalMs));
    }
  };
  void loop();

  return {
    drain,
    reconcile,
    async stop() {
      stopped = true;
      await running;
    },
  };
}
