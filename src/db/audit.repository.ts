// The append-only, hash-chained audit log. Each row's hash covers the previous row's hash and the
// row's own canonical content, so a verifier names every altered row, and every row whose link to
// the one before is broken (rows removed). Appends are serialised by a transaction-scoped advisory
// lock taken as late as possible in the transaction. Removal of whole stretches, down to all rows,
// is caught by the checkpoints (audit-checkpoints.repository.ts).
import { createHash } from 'node:crypto';
import type { Db } from './tx.js';
import { storableJson, storableText } from './storable.js';

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

/**
 * Appends one entry. Must run inside a transaction (the lock is released at commit). The hash
 * covers exactly what is stored: every string is first put in the form PostgreSQL keeps
 * (storable.ts) — hashing the caller's original would make an unpaired surrogate in a username
 * read as tampering.
 */
export async function appendAudit(tx: Db, e: AuditEntry): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK]);
  const { rows } = await tx.query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const prev = rows[0]?.hash ?? GENESIS_HASH;
  const actor = storableText(e.actor);
  const action = storableText(e.action);
  const target = e.target == null ? null : storableText(e.target);
  const data = storableJson(e.data ?? {});
  // Millisecond precision: what Postgres stores is what the hash covers.
  const at = new Date(e.at.getTime());
  const hash = auditHash(prev, { at, actor, action, target, data });
  await tx.query(
    'INSERT INTO audit_log (at, actor, action, target, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [at, actor, action, target, JSON.stringify(data), prev, hash],
  );
}

/**
 * A row that does not verify: `content` — its fields no longer give its hash (edited);
 * `link` — its prev_hash is not the hash of the row before it (rows removed or reordered before it,
 * or that row re-hashed after an edit).
 */
export interface ChainFault {
  id: string;
  content: boolean;
  link: boolean;
}

export interface ChainCheck {
  rows: number;
  faults: ChainFault[];
}

/** Walks the whole chain and lists every row that does not verify (empty when intact). */
export async function verifyAuditChain(db: Db): Promise<ChainCheck> {
  // `id` uncast (pg answers bigint as a string anyway): ORDER BY an `id::text` output column
  // would sort 1, 10, 11, …, 2 and break the chain at the tenth row.
  const { rows } = await db.query(
    'SELECT id, at, actor, action, target, data, prev_hash, hash FROM audit_log ORDER BY id',
  );
  const faults: ChainFault[] = [];
  let prev = GENESIS_HASH;
  for (const r of rows) {
    // Content against the row's own prev_hash, the link against the row before: an edit is named
    // once, at the edited row, and a removal once, at the first row after the gap.
    const content = r.hash !== auditHash(r.prev_hash, { at: r.at, actor: r.actor, action: r.action, target: r.target, data: r.data });
    const link = r.prev_hash !== prev;
    if (content || link) faults.push({ id: String(r.id), content, link });
    prev = r.hash;
  }
  return { rows: rows.length, faults };
}

/**
 * Walks every ticket's timeline chain (migration 0007) and lists every event whose stored hash
 * does not match its content or whose link does not match the ticket's previous event. The hash is
 * computed by the database from the stored row (trigger ticket_event_chain), so it cannot disagree
 * with what was stored the way the audit log's could.
 */
export async function verifyTimelineChains(db: Db): Promise<ChainCheck> {
  const { rows } = await db.query<{ id: string | null; content: boolean | null; link: boolean | null; n: string }>(
    `WITH c AS (
       SELECT e.id,
              e.hash IS DISTINCT FROM ticket_event_hash(e.prev_hash, e) AS content,
              e.prev_hash IS DISTINCT FROM COALESCE(lag(e.hash) OVER (PARTITION BY e.ticket_id ORDER BY e.id), repeat('0', 64)) AS link
         FROM ticket_events e
     )
     SELECT f.id::text, f.content, f.link, (SELECT count(*) FROM c)::text AS n
       FROM (SELECT 1) one LEFT JOIN c f ON f.content OR f.link
      ORDER BY f.id`,
  );
  const faults = rows.filter((r) => r.id !== null).map((r) => ({ id: r.id as string, content: r.content === true, link: r.link === true }));
  return { rows: Number(rows[0]?.n ?? 0), faults };
}
