// Stored answers for Idempotency-Key replays (kept at least 24 hours; pruned after 48).
import type { Db } from './tx.js';

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/** Serialises concurrent requests with the same key until the transaction ends. */
export async function lockIdempotencyKey(tx: Db, scope: string, key: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${scope}\n${key}`]);
}

export async function findStoredAnswer(db: Db, scope: string, key: string): Promise<StoredAnswer | null> {
  const { rows } = await db.query(
    'SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = $1 AND key = $2',
    [scope, key],
  );
  return rows[0] ? { requestHash: rows[0].request_hash, statusCode: rows[0].status_code, response: rows[0].response } : null;
}

export async function storeAnswer(db: Db, scope: string, key: string, a: StoredAnswer, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [scope, key, a.requestHash, a.statusCode, JSON.stringify(a.response), now],
  );
}

export async function pruneIdempotencyKeys(db: Db, before: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM idempotency_keys WHERE created_at < $1', [before]);
  return rowCount ?? 0;
}
