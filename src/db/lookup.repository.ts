// Failed public lookups per ticket number and the resulting locks (SPEC §5).
import type { Db } from './tx.js';

export async function lookupLockedUntil(db: Db, ticketNo: string, now: Date): Promise<Date | null> {
  const { rows } = await db.query<{ locked_until: Date }>(
    'SELECT locked_until FROM lookup_locks WHERE ticket_no = $1 AND locked_until > $2',
    [ticketNo, now],
  );
  return rows[0]?.locked_until ?? null;
}

/** Records one failure; returns the number of failures in the window ending now. */
export async function recordLookupFailure(db: Db, ticketNo: string, now: Date, windowStart: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH ins AS (INSERT INTO lookup_failures (ticket_no, at) VALUES ($1, $2))
     SELECT count(*)::int + 1 AS n FROM lookup_failures WHERE ticket_no = $1 AND at > $3`,
    [ticketNo, now, windowStart],
  );
  return rows[0].n;
}

export async function lockLookup(db: Db, ticketNo: string, until: Date): Promise<void> {
  await db.query(
    `INSERT INTO lookup_locks (ticket_no, locked_until) VALUES ($1, $2)
     ON CONFLICT (ticket_no) DO UPDATE SET locked_until = GREATEST(lookup_locks.locked_until, EXCLUDED.locked_until)`,
    [ticketNo, until],
  );
}
