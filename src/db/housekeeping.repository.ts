// Deleting expired rows from the short-lived tables.
import type { Db } from './tx.js';

export async function pruneExpired(db: Db, before: { failures: Date; sessions: Date; imports: Date }): Promise<Record<string, number>> {
  const logins = await db.query('DELETE FROM login_failures WHERE at < $1', [before.failures]);
  const lookups = await db.query('DELETE FROM lookup_failures WHERE at < $1', [before.failures]);
  const locks = await db.query('DELETE FROM lookup_locks WHERE locked_until < $1', [before.failures]);
  const sessions = await db.query('DELETE FROM sessions WHERE expires_at < $1', [before.sessions]);
  // Staged ledger rows (SPEC §15) hold personal data: gone once their import expired.
  const imports = await db.query('DELETE FROM imports WHERE expires_at < $1', [before.imports]);
  return {
    loginFailures: logins.rowCount ?? 0,
    lookupFailures: lookups.rowCount ?? 0,
    lookupLocks: locks.rowCount ?? 0,
    sessions: sessions.rowCount ?? 0,
    imports: imports.rowCount ?? 0,
  };
}
