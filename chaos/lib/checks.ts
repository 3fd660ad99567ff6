// What a scenario's figures are computed from: the tickets in the database (by the marker each
// demand carries at the start of its content), the clients' acknowledgements, and the requests the
// fake SMS gateway received. Nothing here trusts the system's own bookkeeping of what it sent.
import type pg from 'pg';
import { formatTicketNo } from '../../src/domain/ticket-number.js';
import type { Registration } from './client.js';
import type { SmsGateway, SmsRequest } from './sms-gateway.js';

export interface TicketRow {
  id: string;
  ticketNo: string;
  req: string;
  phone: string;
  status: string;
  kind: string;
  receivedAt: Date;
  resolveStartedAt: Date;
  dueAt: Date;
  assignedAt: Date | null;
  signOffDueAt: Date | null;
}

/** Every ticket whose content starts with `[prefix-` (one scenario's demands). */
export async function ticketsOf(db: pg.Pool, prefix: string): Promise<TicketRow[]> {
  const { rows } = await db.query(
    `SELECT id::text, ticket_no, substring(content from '^\\[([^\\]]+)\\]') AS req, complainant_phone, status, kind,
            received_at, due_at, assigned_at, sign_off_due_at,
            -- the resolve clock's start: its deadline row's (SPEC §18, migration 0019), the first one
            (SELECT d.started_at FROM ticket_deadlines d WHERE d.ticket_id = t.id AND d.kind = 'resolve' ORDER BY d.id LIMIT 1) AS resolve_started_at
       FROM tickets t WHERE starts_with(content, $1) ORDER BY id`,
    [`[${prefix}-`],
  );
  return rows.map((r) => ({
    id: r.id, ticketNo: r.ticket_no, req: r.req, phone: r.complainant_phone, status: r.status, kind: r.kind,
    receivedAt: r.received_at, resolveStartedAt: r.resolve_started_at, dueAt: r.due_at, assignedAt: r.assigned_at, signOffDueAt: r.sign_off_due_at,
  }));
}

export interface RegistrationCounts {
  sent: number;
  acked: number;
  /** Acknowledged numbers with no ticket in the database. */
  ackedButLost: number;
  /** Tickets beyond the first for one demand (one Idempotency-Key). */
  duplicates: number;
  /** Demands the client gave up on (deadline) without an acknowledgement. */
  unacked: number;
  /** Demands answered with a 4xx the client cannot fix. */
  refused: number;
  ticketsInDb: number;
  attempts: number;
  /** Attempts by outcome (status code, timeout, error). */
  outcomes: Record<string, number>;
  examples: string[];
}

export function countRegistrations(regs: Registration[], rows: TicketRow[]): RegistrationCounts {
  const byNo = new Set(rows.map((r) => r.ticketNo));
  const perReq = new Map<string, number>();
  for (const r of rows) perReq.set(r.req, (perReq.get(r.req) ?? 0) + 1);
  const outcomes: Record<string, number> = {};
  for (const reg of regs) for (const a of reg.attempts) outcomes[String(a.outcome)] = (outcomes[String(a.outcome)] ?? 0) + 1;
  const lost = regs.filter((r) => r.ticketNo && !byNo.has(r.ticketNo));
  const dups = [...perReq.entries()].filter(([, n]) => n > 1);
  const examples = [
    ...lost.slice(0, 3).map((r) => `acked ${r.ticketNo} (${r.id}) has no ticket in the database`),
    ...dups.slice(0, 3).map(([req, n]) => `${req}: ${n} tickets for one Idempotency-Key`),
    ...regs.filter((r) => r.refused).slice(0, 3).map((r) => `${r.id} refused: ${r.refused}`),
  ];
  return {
    sent: regs.length,
    acked: regs.filter((r) => r.ticketNo).length,
    ackedButLost: lost.length,
    duplicates: dups.reduce((n, [, c]) => n + c - 1, 0),
    unacked: regs.filter((r) => !r.ticketNo && !r.refused).length,
    refused: regs.filter((r) => r.refused).length,
    ticketsInDb: rows.length,
    attempts: regs.reduce((n, r) => n + r.attempts.length, 0),
    outcomes,
    examples,
  };
}

export interface SmsCounts {
  expected: number;
  /** Tickets whose `registered` SMS never reached the gateway. */
  missing: number;
  /** Deliveries beyond one per ticket (distinct Idempotency-Keys: a de-duplicating gateway cannot help). */
  duplicated: number;
  /** Requests that repeated an already delivered key (the gateway's de-duplication absorbed them). */
  repeats: number;
  /** The instant the last expected SMS was first delivered. */
  lastAt: number;
  missingTickets: TicketRow[];
}

/** The `registered` SMS of each ticket as the gateway received them: to its phone, naming its number. */
export function countRegisteredSms(rows: TicketRow[], gw: SmsGateway): SmsCounts {
  const byPhone = new Map<string, SmsRequest[]>();
  for (const r of gw.requests) {
    const list = byPhone.get(r.to) ?? [];
    list.push(r);
    byPhone.set(r.to, list);
  }
  const out: SmsCounts = { expected: rows.length, missing: 0, duplicated: 0, repeats: 0, lastAt: 0, missingTickets: [] };
  for (const t of rows) {
    const no = formatTicketNo(t.ticketNo);
    const mine = (byPhone.get(t.phone) ?? []).filter((r) => r.text.includes('已登记') && r.text.includes(no));
    const delivered = mine.filter((r) => !r.repeat);
    out.repeats += mine.length - delivered.length;
    if (delivered.length === 0) {
      out.missing++;
      out.missingTickets.push(t);
    } else {
      out.duplicated += delivered.length - 1;
      out.lastAt = Math.max(out.lastAt, delivered[0].at);
    }
  }
  return out;
}

export interface EffectCounts {
  /** Tickets with a category still unassigned (the routing job's effect missing). */
  routingMissing: number;
  /** `assigned` timeline events beyond one per ticket. */
  routingDuplicated: number;
  /** Routed tickets without the department's `assigned` staff notification. */
  staffMissing: number;
  /** Staff notifications beyond one per (ticket, template, audience, round, deadline). */
  staffDuplicated: number;
  /** Ids of the tickets never assigned (for the evidence). */
  unrouted: string[];
}

export async function countRoutingEffects(db: pg.Pool, rows: TicketRow[]): Promise<EffectCounts> {
  const ids = rows.map((r) => r.id);
  const { rows: per } = await db.query(
    `SELECT t.id::text,
            (SELECT count(*)::int FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'assigned') AS assigns,
            (SELECT count(*)::int FROM staff_notifications s WHERE s.ticket_id = t.id AND s.template = 'assigned') AS staff
       FROM tickets t WHERE t.id = ANY($1::bigint[])`,
    [ids],
  );
  const { rows: dup } = await db.query(
    `SELECT coalesce(sum(n - 1), 0)::int AS extra FROM (
       SELECT count(*) AS n FROM staff_notifications WHERE ticket_id = ANY($1::bigint[])
        GROUP BY ticket_id, template, audience, round, coalesce(deadline, '')) g`,
    [ids],
  );
  return {
    routingMissing: per.filter((r) => r.assigns === 0).length,
    routingDuplicated: per.reduce((n, r) => n + Math.max(0, r.assigns - 1), 0),
    staffMissing: per.filter((r) => r.assigns > 0 && r.staff === 0).length,
    staffDuplicated: dup[0].extra,
    unrouted: per.filter((r) => r.assigns === 0).map((r) => r.id),
  };
}

/** Why a ticket's SMS is missing, from the outbox and notification rows (evidence, not a figure). */
export async function explainMissingSms(db: pg.Pool, t: TicketRow): Promise<string> {
  const { rows: ob } = await db.query(
    `SELECT published_at, attempts FROM outbox WHERE topic = 'notifications' AND payload->>'ticketId' = $1 AND payload->>'template' = 'registered'`,
    [t.id],
  );
  const { rows: n } = await db.query(`SELECT status, attempts, error FROM notifications WHERE ticket_id = $1 AND template = 'registered'`, [t.id]);
  const outbox = ob.length === 0 ? 'no outbox row (pruned or never written)' : `outbox row published_at=${ob[0].published_at?.toISOString() ?? 'null'} attempts=${ob[0].attempts}`;
  const note = n.length === 0 ? 'no notifications row (the job never ran)' : `notifications row status=${n[0].status} attempts=${n[0].attempts}${n[0].error ? ` error=${n[0].error}` : ''}`;
  return `ticket ${t.ticketNo} (id ${t.id}, ${t.req}): ${outbox}; ${note}`;
}

/** Why a ticket was never routed, from its `routing` outbox row (evidence, not a figure). */
export async function explainMissingRouting(db: pg.Pool, ticketId: string): Promise<string> {
  const { rows } = await db.query(
    `SELECT t.ticket_no, t.status, o.published_at, o.attempts FROM tickets t
       LEFT JOIN outbox o ON o.topic = 'routing' AND o.payload->>'ticketId' = t.id::text
      WHERE t.id = $1`,
    [ticketId],
  );
  const r = rows[0];
  if (!r) return `ticket id ${ticketId}: gone`;
  return `ticket ${r.ticket_no} (id ${ticketId}) still ${r.status}: routing outbox row ${r.published_at ? `published_at=${r.published_at.toISOString()} attempts=${r.attempts}` : 'unpublished or pruned'}, no assignment`;
}

/** What the database sessions are doing, grouped (evidence when demands go unanswered). */
export async function sessionSummary(db: pg.Pool): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT state, coalesce(wait_event_type || '/' || wait_event, '-') AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 50) AS q,
            count(*)::int AS n, coalesce(max(now() - xact_start), '0'::interval)::text AS oldest
       FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
      GROUP BY 1, 2, 3 ORDER BY 4 DESC LIMIT 6`,
  );
  return rows.map((r) => `${r.n} sessions ${r.state} (wait ${r.wait}, oldest transaction ${r.oldest.replace(/\.\d+$/, '')}): ${r.q}`);
}
