// The transactional outbox: rows written with the state change, relayed to the queues later.
import type { Db } from './tx.js';

export interface OutboxMessage {
  topic: string;
  /** Ids only: never personal data (built by the job constructors in src/queue/jobs.ts). */
  payload: object;
  jobId: string;
  availableAt?: Date;
}

/** All the messages in one statement (ids in the order given). */
export async function enqueueOutbox(tx: Db, messages: OutboxMessage[], now: Date): Promise<void> {
  if (messages.length === 0) return;
  await tx.query({
    name: 'hy-enqueue-outbox',
    text: `INSERT INTO outbox (topic, payload, job_id, available_at, created_at)
     SELECT m.topic, m.payload::jsonb, m.job_id, m.available_at, $5
       FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) WITH ORDINALITY AS m(topic, payload, job_id, available_at, n)
      ORDER BY m.n`,
    values: [
      messages.map((m) => m.topic),
      messages.map((m) => JSON.stringify(m.payload)),
      messages.map((m) => m.jobId),
      messages.map((m) => m.availableAt ?? now),
      now,
    ],
  });
}

export interface OutboxRow {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  jobId: string;
  availableAt: Date;
}

/** Claims unpublished rows; SKIP LOCKED lets several relays share the work without waiting. */
export async function claimOutbox(tx: Db, limit: number): Promise<OutboxRow[]> {
  const { rows } = await tx.query(
    `SELECT id::text, topic, payload, job_id, available_at FROM outbox
      WHERE published_at IS NULL ORDER BY outbox.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, topic: r.topic, payload: r.payload, jobId: r.job_id, availableAt: r.available_at }));
}

export async function markPublished(tx: Db, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx.query('UPDATE outbox SET published_at = $2, attempts = attempts + 1 WHERE id = ANY($1::bigint[])', [ids, now]);
}

/** Done rows before `before`; rows never done (dead letters) are kept until `deadBefore`. */
export async function pruneOutbox(db: Db, before: Date, deadBefore: Date = before): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM outbox WHERE (done_at < $1) OR (done_at IS NULL AND published_at < $2)',
    [before, deadBefore],
  );
  return rowCount ?? 0;
}

/** The job's effect is complete: every row that published this job id is done. */
export async function markDone(db: Db, jobId: string, now: Date): Promise<void> {
  await db.query({
    name: 'hy-outbox-done',
    text: 'UPDATE outbox SET done_at = $2 WHERE job_id = $1 AND done_at IS NULL',
    values: [jobId, now],
  });
}

/**
 * Rows published at least `graceMs` ago (and due that long ago) whose job has not completed, and
 * not republished within `graceMs`: the reconciler hands them to the queue again. Rows republished
 * `maxAttempts` times are left alone (dead letters, visible with published_at set and done_at null).
 */
export async function claimUndone(tx: Db, now: Date, graceMs: number, limit: number, maxAttempts = 100): Promise<OutboxRow[]> {
  const { rows } = await tx.query({
    name: 'hy-outbox-claim-undone',
    text: `SELECT id::text, topic, payload, job_id, available_at FROM outbox
      WHERE published_at IS NOT NULL AND done_at IS NULL
        AND available_at < $1::timestamptz - make_interval(secs => $2::double precision / 1000)
        AND COALESCE(republished_at, published_at) < $1::timestamptz - make_interval(secs => $2::double precision / 1000)
        AND attempts < $4
      ORDER BY available_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
    values: [now, graceMs, limit, maxAttempts],
  });
  return rows.map((r) => ({ id: r.id, topic: r.topic, payload: r.payload, jobId: r.job_id, availableAt: r.available_at }));
}

export async function markRepublished(tx: Db, ids: string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await tx.query('UPDATE outbox SET republished_at = $2, attempts = attempts + 1 WHERE id = ANY($1::bigint[])', [ids, now]);
}
