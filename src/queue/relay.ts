// The outbox relay: moves committed outbox rows into the queues, at least once. A row is marked
// published in the same transaction that claimed it, after the queue accepted the job; a crash in
// between re-publishes it with the same deterministic job id, which the queue de-duplicates (and
// every processor is idempotent for the rare case it does not).
import type { Pool } from 'pg';
import { withTx } from '../db/tx.js';
import { claimOutbox, markPublished } from '../db/outbox.repository.js';
import type { Clock } from '../clock.js';
import type { Log } from '../services/deps.js';
import type { QueueKit } from './backend.js';
import { isQueueName } from './names.js';

export interface Relay {
  /** Publishes what is pending now; returns how many rows it moved. */
  drain(): Promise<number>;
  stop(): Promise<void>;
}

const BATCH = 200;

export function startRelay(deps: { db: Pool; clock: Clock; log: Log }, kit: QueueKit, intervalMs = 200): Relay {
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
      running = drain().catch((err) => {
        deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'outbox relay pass failed; retrying');
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
    async stop() {
      stopped = true;
      await running;
    },
  };
}
