// The append-only, hash-chained audit log. Each row's hash covers the previous row's hash and the
// row's own canonical content, so a verifier can name the first altered row. Appends are
// serialised by a transaction-scoped advisory lock taken as late as possible in the transaction.
import { createHash } from 'node:crypto';
import type { Db } from './tx.js';

const AUDIT_LOCK = 0x48_59_41_55; // "HYAU"
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  data?: Record<string, unknown>;
  at: Date;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
    .join(',')}}`;
}

export function auditHash(prevHash: string, e: { at: Date; actor: string; action: string; target: string | null; data: unknown }): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson({ at: e.at.toISOString(), actor: e.actor, action: e.action, target: e.target, data: e.data }))
    .digest('hex');
}

/** Appends one entry. Must run inside a transaction (the lock is released at commit). */
export async function appendAudit(tx: Db, e: AuditEntry): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const { rows } = await tx.query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const prev = rows[0]?.hash ?? GENESIS_HASH;
  const data = e.data ?? {};
  const target = e.target ?? null;
  // Millisecond precision: what Postgres stores is what the hash covers.
  const at = new Date(e.at.getTime());
  const hash = auditHash(prev, { at, actor: e.actor, action: e.action, target, data });
  await tx.query(
    'INSERT INTO audit_log (at, actor, action, target, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [at, e.actor, e.action, target, data, prev, hash],
  );
}

/** Walks the chain; returns the id of the first row whose hash does not verify, or null. */
export async function verifyAuditChain(db: Db): Promise<string | null> {
  // `id` uncast (pg answers bigint as a string anyway): ORDER BY an `id::text` output column
  // would sort 1, 10, 11, …, 2 and break the chain at the tenth row.
  const { rows } = await db.query(
    'SELECT id, at, actor, action, target, data, prev_hash, hash FROM audit_log ORDER BY id',
  );
  let prev = GENESIS_HASH;
  for (const r of rows) {
    const expected = auditHash(prev, { at: r.at, actor: r.actor, action: r.action, target: r.target, data: r.data });
    if (r.prev_hash !== prev || r.hash !== expected) return String(r.id);
    prev = r.hash;
  }
  return null;
}

/**
 * Walks every ticket's timeline chain (migration 0007): returns the id of the first event whose
 * stored hash or link does not match its content, or null when every timeline is intact.
 */
export async function verifyTimelineChains(db: Db): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id::text FROM (
       SELECT e.id, e.hash, e.prev_hash,
              COALESCE(lag(e.hash) OVER (PARTITION BY e.ticket_id ORDER BY e.id), repeat('0', 64)) AS expected_prev,
              ticket_event_hash(e.prev_hash, e) AS expected_hash
         FROM ticket_events e
     ) c
     WHERE c.prev_hash IS DISTINCT FROM c.expected_prev OR c.hash IS DISTINCT FROM c.expected_hash
     ORDER BY c.id LIMIT 1`,
  );
  return rows[0]?.id ?? null;
}
