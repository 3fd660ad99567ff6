// The transactional outbox: rows written with the state change, relayed to the queues later.
import type { Db } from './tx.js';

export interface OutboxMessage {
  topic: string;
  /** Ids only: never personal data. */
  payload: Record<string, string | number | boolean | null>;
  jobId: string;
  availableAt?: Date;
}

export async function enqueueOutbox(tx: Db, messages: OutboxMessage[], now: Date): Promise<void> {
  for (const m of messages) {
    await tx.query(
      'INSERT INTO outbox (topic, payload, job_id, available_at, created_at) VALUES ($1, $2, $3, $4, $5)',
      [m.topic, m.payload, m.jobId, m.availableAt ?? now, now],
    );
  }
}
