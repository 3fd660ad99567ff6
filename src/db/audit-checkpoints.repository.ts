// Checkpoints anchor the two hash chains (audit_log; the ticket timelines in ticket_events) outside
// their own rows, so that removing rows — the oldest ones, or all of them — is seen: a chain only
// proves that the rows it still has are unaltered. One checkpoint per chain and Asia/Shanghai day
// records, for the rows with id ≤ last_id: their number, the last one's hash, and a digest (SHA-256
// over their hashes in id order; the timelines are chained per ticket, so no single row commits to
// all of them). It is signed with HMAC-SHA256 under AUDIT_CHECKPOINT_KEY (else SESSION_SECRET), a
// key the database never holds: whoever can rewrite rows and recompute the unkeyed hashes still
// cannot write a checkpoint that agrees. The table is append-only; the application may only insert.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { Db } from './tx.js';

export type Chain = 'audit' | 'timeline';
export const CHAINS: readonly Chain[] = ['audit', 'timeline'];
const TABLE: Record<Chain, string> = { audit: 'audit_log', timeline: 'ticket_events' };
const PAGE = 5000;

export interface ChainState {
  lastId: string;
  rowCount: number;
  lastHash: string | null;
  digest: string;
}

export interface Checkpoint extends ChainState {
  chain: Chain;
  day: string;
  keyId: string | null;
  signature: string | null;
}

function signedText(chain: Chain, day: string, s: ChainState): string {
  return ['huiying/audit-checkpoint/v1', chain, day, s.lastId, String(s.rowCount), s.lastHash ?? '', s.digest].join('|');
}

/** A short name of the key, so that verify can tell "signed under another key" from "forged". */
export function checkpointKeyId(key: string): string {
  return createHmac('sha256', key).update('huiying/audit-checkpoint/key-id').digest('hex').slice(0, 16);
}

export function signCheckpoint(key: string, chain: Chain, day: string, s: ChainState): string {
  return createHmac('sha256', key).update(signedText(chain, day, s)).digest('hex');
}

/**
 * The highest id below which no row can still appear. Ids are drawn when a row is inserted, not
 * when its transaction commits, so a transaction still running may hold a lower id than the
 * highest committed one (timelines take no global lock). Take the highest committed id with a
 * snapshot, then wait until every transaction running at that snapshot has ended; any later
 * insert draws a higher id (identity sequences of cache 1). Null when they do not end in time.
 * Outside any transaction of the caller's.
 */
export async function stableBoundary(db: pg.Pool, chain: Chain, timeoutMs = 10_000): Promise<string | null> {
  const { rows } = await db.query<{ snap: string; max: string }>(
    `SELECT pg_current_snapshot()::text AS snap, (SELECT COALESCE(max(id), 0) FROM ${TABLE[chain]})::text AS max`,
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows: busy } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_snapshot_xip($1::pg_snapshot) AS x WHERE pg_xact_status(x) = 'in progress'`,
      [rows[0].snap],
    );
    if (busy[0].n === 0) return rows[0].max;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Row hashes of one chain in id order, up to `lastId` (inclusive), a page at a time. */
async function* hashesUpTo(db: Db, chain: Chain, lastId: string): AsyncGenerator<{ id: string; hash: string }> {
  let after = '0';
  for (;;) {
    const { rows } = await db.query<{ id: string; hash: string }>(
      `SELECT id::text, hash FROM ${TABLE[chain]} WHERE id > $1 AND id <= $2 ORDER BY id LIMIT ${PAGE}`,
      [after, lastId],
    );
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id;
  }
}

/** Count, last hash and digest of a chain's rows up to `lastId`. */
export async function chainState(db: Db, chain: Chain, lastId: string): Promise<ChainState> {
  const digest = createHash('sha256');
  let rowCount = 0;
  let lastHash: string | null = null;
  for await (const r of hashesUpTo(db, chain, lastId)) {
    digest.update(r.hash ?? '');
    rowCount++;
    lastHash = r.hash;
  }
  return { lastId, rowCount, lastHash, digest: digest.digest('hex') };
}

export async function hasCheckpoint(db: Db, chain: Chain, day: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM audit_checkpoints WHERE chain = $1 AND day = $2', [chain, day]);
  return (rowCount ?? 0) > 0;
}

/** Inserts a day's checkpoint; false when that day already has one (another worker, an earlier tick). */
export async function insertCheckpoint(db: Db, c: Checkpoint): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO audit_checkpoints (chain, day, last_id, row_count, last_hash, digest, key_id, signature)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (chain, day) DO NOTHING`,
    [c.chain, c.day, c.lastId, c.rowCount, c.lastHash, c.digest, c.keyId, c.signature],
  );
  return (rowCount ?? 0) > 0;
}

export async function listCheckpoints(db: Db, chain: Chain): Promise<Checkpoint[]> {
  const { rows } = await db.query(
    `SELECT chain, to_char(day, 'YYYY-MM-DD') AS day, last_id::text, row_count::text, last_hash, digest, key_id, signature
       FROM audit_checkpoints WHERE chain = $1 ORDER BY audit_checkpoints.last_id, audit_checkpoints.day`,
    [chain],
  );
  return rows.map((r) => ({
    chain: r.chain,
    day: r.day,
    lastId: r.last_id,
    rowCount: Number(r.row_count),
    lastHash: r.last_hash,
    digest: r.digest,
    keyId: r.key_id,
    signature: r.signature,
  }));
}

export type CheckpointProblem = 'signature' | 'rows_missing' | 'rows_added' | 'rows_differ';

export interface CheckpointFault {
  chain: Chain;
  day: string;
  lastId: string;
  problem: CheckpointProblem;
  expected?: number;
  found?: number;
  /** For `signature`: the checkpoint names another key than the one given (rather than none, or this one). */
  otherKey?: boolean;
}

export interface CheckpointCheck {
  checked: number;
  faults: CheckpointFault[];
  /** Checkpoints written without a key. */
  unsigned: number;
  /** Signed checkpoints not checked, for want of the key here. */
  unchecked: number;
  latest: Checkpoint | null;
}

function signatureOk(key: string, c: Checkpoint): boolean {
  if (!c.signature || !/^[0-9a-f]{64}$/.test(c.signature)) return false;
  return timingSafeEqual(Buffer.from(signCheckpoint(key, c.chain, c.day, c), 'hex'), Buffer.from(c.signature, 'hex'));
}

/**
 * Compares one chain's rows with each of its checkpoints in a single pass in id order: fewer rows
 * than recorded (removed), more (inserted below the boundary), or other hashes (altered, or the
 * chain recomputed); and the signature under `key`.
 */
export async function verifyCheckpoints(db: Db, chain: Chain, key: string | null): Promise<CheckpointCheck> {
  const checkpoints = await listCheckpoints(db, chain);
  const faults: CheckpointFault[] = [];
  let unsigned = 0;
  let unchecked = 0;
  const digest = createHash('sha256');
  let rowCount = 0;
  let lastHash: string | null = null;
  let next = 0;
  const settle = (upTo: bigint | null) => {
    while (next < checkpoints.length && (upTo === null || BigInt(checkpoints[next].lastId) < upTo)) {
      const c = checkpoints[next++];
      if (!c.signature) unsigned++;
      else if (!key) unchecked++;
      else if (!signatureOk(key, c)) {
        faults.push({ chain, day: c.day, lastId: c.lastId, problem: 'signature', otherKey: c.keyId !== null && c.keyId !== checkpointKeyId(key) });
      }
      if (rowCount !== c.rowCount) {
        faults.push({ chain, day: c.day, lastId: c.lastId, problem: rowCount < c.rowCount ? 'rows_missing' : 'rows_added', expected: c.rowCount, found: rowCount });
      } else if (lastHash !== c.lastHash || digest.copy().digest('hex') !== c.digest) {
        faults.push({ chain, day: c.day, lastId: c.lastId, problem: 'rows_differ' });
      }
    }
  };
  const upTo = checkpoints.length > 0 ? checkpoints[checkpoints.length - 1].lastId : '0';
  for await (const r of hashesUpTo(db, chain, upTo)) {
    settle(BigInt(r.id));
    digest.update(r.hash ?? '');
    rowCount++;
    lastHash = r.hash;
  }
  settle(null);
  return { checked: checkpoints.length, faults, unsigned, unchecked, latest: checkpoints.at(-1) ?? null };
}
