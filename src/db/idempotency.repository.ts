// Stored answers for Idempotency-Key replays (kept at least 24 hours; pruned after 48).
import type { Db } from './tx.js';

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/**
 * Takes the key for this transaction by inserting its row with a placeholder answer, which the same
 * transaction replaces before it commits (registration.repository's trail), so no one ever reads the
 * placeholder. A concurrent request with the same key waits on the primary key until this
 * transaction ends, then finds the stored answer (or takes the key, if this one rolled back). One
 * statement where an advisory lock and a look-up took two. Returns null when the key is ours.
 */
export async function claimIdempotencyKey(tx: Db, scope: string, key: string, requestHash: string, now: Date): Promise<StoredAnswer | null> {
  for (let attempt = 0; ; attempt++) {
    const { rowCount } = await tx.query({
      name: 'hy-idem-claim',
      text: `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at)
             VALUES ($1, $2, $3, 0, 'null'::jsonb, $4) ON CONFLICT (scope, key) DO NOTHING`,
      values: [scope, key, requestHash, now],
    });
    if (rowCount) return null;
    const stored = await findStoredAnswer(tx, scope, key);
    if (stored) return stored;
    // Pruned between the two statements (keys older than 48 hours): take it afresh.
    if (attempt >= 3) throw new Error('idempotency key neither free nor stored');
  }
}

export async function findStoredAnswer(db: Db, scope: string, key: string): Promise<StoredAnswer | null> {
  const { rows } = await db.query({
    name: 'hy-idem-find',
    text: 'SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
    values: [scope, key],
  });
  return rows[0] ? { requestHash: rows[0].request_hash, statusCode: rows[0].status_code, response: rows[0].response } : null;
}

export async function pruneIdempotencyKeys(db: Db, before: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM idempotency_keys WHERE created_at < $1', [before]);
  return rowCount ?? 0;
}
