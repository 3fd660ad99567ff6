// The audit evidence as use cases: the daily checkpoints that anchor both hash chains (written by
// the workers' housekeeping) and the full check behind `npm run cli -- audit:verify`, which names
// every altered or unlinked row and every checkpoint the rows no longer match.
import type { Config } from '../config.js';
import { shanghaiDateKeyIso } from '../domain/local-date.js';
import { verifyAuditChain, verifyTimelineChains, type ChainCheck } from '../db/audit.repository.js';
import {
  CHAINS,
  chainState,
  checkpointKeyId,
  hasCheckpoint,
  insertCheckpoint,
  signCheckpoint,
  stableBoundary,
  verifyCheckpoints,
  type Chain,
  type CheckpointCheck,
  type CheckpointFault,
} from '../db/audit-checkpoints.repository.js';
import type { ServiceDeps } from './deps.js';

/** AUDIT_CHECKPOINT_KEY, else SESSION_SECRET; null when neither is set (checkpoints unsigned). */
export function checkpointKey(config: Config): string | null {
  return config.AUDIT_CHECKPOINT_KEY ?? config.SESSION_SECRET ?? null;
}

/** Today's checkpoint of each chain (Asia/Shanghai day), once; safe on several workers at once. */
export async function writeCheckpoints(deps: Pick<ServiceDeps, 'db' | 'clock' | 'config' | 'log'>): Promise<number> {
  const day = shanghaiDateKeyIso(deps.clock.now());
  const key = checkpointKey(deps.config);
  let written = 0;
  for (const chain of CHAINS) {
    if (await hasCheckpoint(deps.db, chain, day)) continue;
    const boundary = await stableBoundary(deps.db, chain);
    if (boundary === null) {
      deps.log.warn({ chain }, 'audit checkpoint postponed: write transactions did not end in time');
      continue;
    }
    const state = await chainState(deps.db, chain, boundary);
    const signed = key ? { keyId: checkpointKeyId(key), signature: signCheckpoint(key, chain, day, state) } : { keyId: null, signature: null };
    if (await insertCheckpoint(deps.db, { chain, day, ...state, ...signed })) written++;
  }
  return written;
}

export interface ChainReport extends ChainCheck {
  checkpoints: CheckpointCheck;
}

export interface AuditReport {
  chains: Record<Chain, ChainReport>;
  keyConfigured: boolean;
  ok: boolean;
}

export async function verifyAudit(deps: Pick<ServiceDeps, 'db' | 'config'>): Promise<AuditReport> {
  const key = checkpointKey(deps.config);
  const audit = await verifyAuditChain(deps.db);
  const timeline = await verifyTimelineChains(deps.db);
  const chains: Record<Chain, ChainReport> = {
    audit: { ...audit, checkpoints: await verifyCheckpoints(deps.db, 'audit', key) },
    timeline: { ...timeline, checkpoints: await verifyCheckpoints(deps.db, 'timeline', key) },
  };
  const ok = CHAINS.every((c) => chains[c].faults.length === 0 && chains[c].checkpoints.faults.length === 0);
  return { chains, keyConfigured: key !== null, ok };
}

const CHAIN_LABEL: Record<Chain, { chain: string; row: string; rows: string }> = {
  audit: { chain: 'audit log', row: 'row', rows: 'rows' },
  timeline: { chain: 'ticket timelines', row: 'event', rows: 'events' },
};

function checkpointLine(f: CheckpointFault): string {
  const at = `checkpoint ${f.day} (up to id ${f.lastId})`;
  switch (f.problem) {
    case 'signature':
      return f.otherKey
        ? `${at}: signed under another key (AUDIT_CHECKPOINT_KEY or SESSION_SECRET changed?), or forged`
        : `${at}: signature does not verify (forged)`;
    case 'rows_missing':
      return `${at}: ${f.expected} rows recorded, ${f.found} found (rows removed)`;
    case 'rows_added':
      return `${at}: ${f.expected} rows recorded, ${f.found} found (rows inserted below it)`;
    case 'rows_differ':
      return `${at}: rows no longer match the recorded hashes (altered, or the chain recomputed)`;
  }
}

/** The operator's reading of a report (English, like the rest of the CLI and the logs). */
export function formatAuditReport(r: AuditReport): string[] {
  const lines: string[] = [];
  let unsigned = 0;
  let unchecked = 0;
  for (const chain of CHAINS) {
    const c = r.chains[chain];
    const label = CHAIN_LABEL[chain];
    lines.push(`${label.chain}: ${c.rows} ${label.rows}, ${c.faults.length === 0 ? 'every one verifies' : `${c.faults.length} do not verify`}`);
    for (const f of c.faults) {
      const why = [
        f.content && 'its content does not match its hash (altered)',
        f.link && `it does not link to the ${label.row} before it (${label.rows} removed or reordered before it)`,
      ].filter(Boolean);
      lines.push(`  ${label.row} ${f.id}: ${why.join('; ')}`);
    }
    const cp = c.checkpoints;
    lines.push(`${label.chain} checkpoints: ${cp.checked} checked, ${cp.faults.length === 0 ? 'all match' : `${cp.faults.length} do not match`}`);
    for (const f of cp.faults) lines.push(`  ${checkpointLine(f)}`);
    if (cp.checked === 0 && c.rows > 0) lines.push(`  warning: no checkpoint yet, so removed ${label.rows} cannot be detected (the workers write one a day)`);
    if (cp.latest) {
      const l = cp.latest;
      lines.push(`  latest: ${l.day}, up to id ${l.lastId}, ${l.rowCount} ${label.rows}, digest ${l.digest}${l.signature ? `, signature ${l.signature}` : ''}`);
    }
    unsigned += cp.unsigned;
    unchecked += cp.unchecked;
  }
  if (unsigned > 0) {
    lines.push(`warning: ${unsigned} checkpoint(s) unsigned (written while neither AUDIT_CHECKPOINT_KEY nor SESSION_SECRET was set): the database owner could rewrite them unseen`);
  }
  if (unchecked > 0) {
    lines.push(`warning: ${unchecked} checkpoint signature(s) not checked: run with the workers' AUDIT_CHECKPOINT_KEY (or SESSION_SECRET)`);
  }
  lines.push('Keep the "latest" lines outside the database: should rows and checkpoints ever be removed together, comparing with them shows it.');
  lines.push(r.ok ? 'result: intact' : 'result: ALTERED');
  return lines;
}
