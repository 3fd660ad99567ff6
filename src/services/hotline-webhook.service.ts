// Reporting back to the 12345 platform (SPEC §15). `hotlineDeliveries` is what an action on a
// `hotline_12345` ticket adds to its transaction: the delivery rows (the exact body, frozen at the
// act) and their outbox jobs. `deliverHotlineReport` is the worker's side: post the stored body,
// signed `X-Huiying-Signature: sha256=<HMAC-SHA256(body, HOTLINE_WEBHOOK_SECRET)>`, mark it
// delivered on a 2xx, throw otherwise so the queue retries with backoff. A delivered row is never
// posted again, whatever republishes its job (reconciler after a Redis flush, a retry).
import { createHmac } from 'node:crypto';
import { hotlineReports, type HotlineEvent } from '../domain/hotline.js';
import type { TimelineEvent } from '../domain/ticket.js';
import * as repo from '../db/hotline.repository.js';
import type { NewDelivery } from '../db/hotline.repository.js';
import type { TicketRow } from '../db/tickets.repository.js';
import { jobs, type JobMessage } from '../queue/jobs.js';
import type { ServiceDeps } from './deps.js';

/** The post's timeout; the lease outlasts it, so one run never overlaps another's post. */
export const HOTLINE_TIMEOUT_MS = 10_000;
const LEASE_MS = 3 * HOTLINE_TIMEOUT_MS;

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * The reports an act on a 12345 ticket calls for: rows to insert and jobs to enqueue, in the act's
 * transaction. `round` is the ticket version the act writes — one per act, so a second reply after
 * a reopen is a new report and a republished job the same one.
 */
export function hotlineDeliveries(
  row: TicketRow,
  events: readonly TimelineEvent[],
  departmentName: string | null,
): { rows: NewDelivery[]; outbox: JobMessage[] } {
  if (row.source !== 'hotline_12345' || !row.externalNo) return { rows: [], outbox: [] };
  const round = row.version + 1;
  const out = { rows: [] as NewDelivery[], outbox: [] as JobMessage[] };
  for (const r of hotlineReports(events, { extensionReason: row.pendingExtension?.reason ?? null })) {
    // Only what SPEC §15 lists: no complainant, phone or address.
    const body = JSON.stringify({
      externalNo: row.externalNo,
      ticketNo: row.ticketNo,
      event: r.event,
      at: r.at.toISOString(),
      departmentName,
      ...(r.reply !== undefined ? { reply: r.reply } : {}),
      ...(r.result !== undefined ? { result: r.result } : {}),
      ...(r.outcome !== undefined ? { outcome: r.outcome } : {}),
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    });
    out.rows.push({ ticketId: row.id, event: r.event, round, body });
    out.outbox.push(jobs.hotline({ ticketId: row.id, event: r.event, round }));
  }
  return out;
}

export type DeliveryResult = 'delivered' | 'already delivered' | 'not configured' | 'no such report';

export async function deliverHotlineReport(
  deps: ServiceDeps,
  key: { ticketId: string; event: HotlineEvent; round: number },
): Promise<DeliveryResult> {
  const now = deps.clock.now();
  const { row, held } = await repo.claimDelivery(deps.db, key, now, LEASE_MS);
  if (!row) {
    if (held) throw new Error('another run is posting this report; retrying later');
    return (await repo.deliveriesOf(deps.db, key.ticketId)).some((d) => d.event === key.event && d.round === key.round)
      ? 'already delivered'
      : 'no such report';
  }
  const url = deps.config.HOTLINE_WEBHOOK_URL;
  const secret = deps.config.HOTLINE_WEBHOOK_SECRET;
  if (!url || !secret) {
    // SPEC §15: without a webhook the export is the ledger uploaded by hand; staff see that here.
    const error = url ? 'HOTLINE_WEBHOOK_SECRET 未配置' : 'HOTLINE_WEBHOOK_URL 未配置';
    await repo.finishDelivery(deps.db, key, { status: 'not_configured', error }, deps.clock.now());
    return 'not configured';
  }
  let error: string;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-huiying-signature': signature(row.body, secret) },
      body: row.body,
      signal: AbortSignal.timeout(HOTLINE_TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) {
      await repo.finishDelivery(deps.db, key, { status: 'delivered', error: null }, deps.clock.now());
      return 'delivered';
    }
    error = `HTTP ${res.status}`;
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 200) : 'network error';
  }
  await repo.finishDelivery(deps.db, key, { status: 'retrying', error }, deps.clock.now());
  throw new Error(`12345 webhook: ${error}`);
}

export async function hotlineDeliveryViews(deps: ServiceDeps, ticketId: string) {
  return (await repo.deliveriesOf(deps.db, ticketId)).map((d) => ({
    event: d.event,
    round: d.round,
    status: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  }));
}
