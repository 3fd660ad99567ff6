// Ledger imports (SPEC §15, migration 0016): the validated upload with its staged rows, the commit's
// lease and progress, and the answer it gave.
import type { Db } from './tx.js';

export interface ImportRow {
  id: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  fileName: string;
  source: 'import' | 'hotline_12345';
  status: 'validated' | 'committing' | 'committed';
  report: unknown;
  total: number;
  done: number;
  result: unknown;
}

const COLUMNS = `id::text, created_by::text, created_at, expires_at, file_name, source, status, report, total, done, result`;

function mapRow(r: Record<string, unknown>): ImportRow {
  return {
    id: r.id as string, createdBy: r.created_by as string, createdAt: r.created_at as Date, expiresAt: r.expires_at as Date,
    fileName: r.file_name as string, source: r.source as ImportRow['source'], status: r.status as ImportRow['status'],
    report: r.report, total: r.total as number, done: r.done as number, result: r.result,
  };
}

export async function insertImport(
  db: Db,
  i: { id: string; createdBy: string; createdAt: Date; expiresAt: Date; fileName: string; source: string; report: unknown; staged: unknown[] },
): Promise<void> {
  await db.query(
    `INSERT INTO imports (id, created_by, created_at, expires_at, file_name, source, report, staged, total)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [i.id, i.createdBy, i.createdAt, i.expiresAt, i.fileName, i.source, JSON.stringify(i.report), JSON.stringify(i.staged), i.staged.length],
  );
}

/** The caller's own import, not expired; null otherwise (someone else's is not found either). */
export async function findImport(db: Db, id: string, userId: string, now: Date): Promise<ImportRow | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM imports WHERE id = $1 AND created_by = $2 AND expires_at > $3`, [id, userId, now]);
  return rows[0] ? mapRow(rows[0]) : null;
}

/**
 * Takes the commit: a validated import, or one whose committer died (lease passed). Answers the
 * staged rows from `from` on, or null when someone else holds it or it is done.
 */
export async function claimImport(db: Db, id: string, userId: string, now: Date, leaseUntil: Date): Promise<{ staged: unknown[]; done: number } | null> {
  const { rows } = await db.query(
    `UPDATE imports SET status = 'committing', lease_until = $4
      WHERE id = $1 AND created_by = $2 AND expires_at > $3
        AND (status = 'validated' OR (status = 'committing' AND lease_until < $3))
      RETURNING staged, done`,
    [id, userId, now, leaseUntil],
  );
  return rows[0] ? { staged: rows[0].staged, done: rows[0].done } : null;
}

/** Progress after a chunk; extends the lease. Counts so far are kept so a resumed commit adds to them. */
export async function recordProgress(db: Db, id: string, done: number, result: unknown, leaseUntil: Date): Promise<void> {
  await db.query(`UPDATE imports SET done = $2, result = $3, lease_until = $4 WHERE id = $1 AND status = 'committing'`, [
    id, done, JSON.stringify(result), leaseUntil,
  ]);
}

/** The commit finished: its answer kept, the staged personal data dropped. */
export async function finishImport(db: Db, id: string, result: unknown, now: Date): Promise<void> {
  await db.query(
    `UPDATE imports SET status = 'committed', done = total, result = $2, staged = '[]'::jsonb, lease_until = NULL, committed_at = $3
      WHERE id = $1`,
    [id, JSON.stringify(result), now],
  );
}
