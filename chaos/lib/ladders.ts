// Minute-scale escalation ladders (SPEC §7) for the Redis-flush scenario: the SLA policy the harness
// installs through the admin API, and the steps each ticket should have reached, computed here from
// the ticket's own start and due instants with plain arithmetic (independently of the system's
// ladder code), compared with the escalation events and staff notifications in the database.
import type pg from 'pg';
import type { TicketRow } from './checks.js';

const LEVELS = ['warning', 'overdue', 'escalated', 'summons'] as const;
type Level = (typeof LEVELS)[number];
type Kind = 'signOff' | 'resolve';

/** Who hears of each step (SPEC §7), as the README and the escalation service state it. */
const AUDIENCES: Record<Level, string[]> = {
  warning: ['department'],
  overdue: ['department', 'supervisors'],
  escalated: ['supervisors', 'leaders'],
  summons: ['leaders', 'supervisors'],
};

export interface LadderMinutes {
  signOff: number;
  resolve: number;
  ladder: Record<Kind, { warningBefore: number; escalatedAfter: number; summonsAfter: number }>;
}

/** Full run: steps 0.75–2 min after assignment and 1.5–3 min after registration. Quick: 6–21 s. */
export const LADDERS: Record<'full' | 'quick', LadderMinutes> = {
  full: {
    signOff: 1,
    resolve: 2,
    ladder: { signOff: { warningBefore: 0.25, escalatedAfter: 0.5, summonsAfter: 1 }, resolve: { warningBefore: 0.5, escalatedAfter: 0.5, summonsAfter: 1 } },
  },
  quick: {
    signOff: 0.15,
    resolve: 0.25,
    ladder: { signOff: { warningBefore: 0.05, escalatedAfter: 0.05, summonsAfter: 0.1 }, resolve: { warningBefore: 0.05, escalatedAfter: 0.05, summonsAfter: 0.1 } },
  },
};

const min = (amount: number) => ({ amount, unit: 'minutes' });

/** The admin's SLA document with the `emergency` kind and both ladders set to minutes. */
export function shortPolicy(current: Record<string, unknown>, m: LadderMinutes): Record<string, unknown> {
  const ladder = (k: Kind) => ({
    warningBefore: min(m.ladder[k].warningBefore),
    escalatedAfter: min(m.ladder[k].escalatedAfter),
    summonsAfter: min(m.ladder[k].summonsAfter),
  });
  return {
    ...current,
    kinds: { ...(current.kinds as object), emergency: { signOff: min(m.signOff), resolve: min(m.resolve) } },
    ladders: { signOff: ladder('signOff'), resolve: ladder('resolve') },
  };
}

export interface Step {
  ticketId: string;
  kind: Kind;
  level: Level;
  at: number;
}

/** The four instants of one ladder: warning (80 % of a short limit, else warningBefore ahead), due, and after. */
function ladderSteps(ticketId: string, kind: Kind, start: Date, due: Date, m: LadderMinutes): Step[] {
  const l = m.ladder[kind];
  const s = start.getTime();
  const d = due.getTime();
  const short = d < s + 2 * l.warningBefore * 60_000;
  const at: Record<Level, number> = {
    warning: short ? s + Math.floor((d - s) * 0.8) : Math.min(d - l.warningBefore * 60_000, d),
    overdue: d,
    escalated: d + l.escalatedAfter * 60_000,
    summons: d + l.summonsAfter * 60_000,
  };
  return LEVELS.map((level) => ({ ticketId, kind, level, at: at[level] }));
}

/** Every step the tickets' ladders hold (the sign-off ladder only once routing assigned them). */
export function expectedSteps(rows: TicketRow[], m: LadderMinutes): Step[] {
  const steps: Step[] = [];
  for (const t of rows) {
    steps.push(...ladderSteps(t.id, 'resolve', t.resolveStartedAt, t.dueAt, m));
    if (t.assignedAt && t.signOffDueAt) steps.push(...ladderSteps(t.id, 'signOff', t.assignedAt, t.signOffDueAt, m));
  }
  return steps;
}

export interface LadderCounts {
  steps: number;
  /** Steps due (judged at `judgedAt` minus the sweeper's slack) without an escalation event. */
  missing: number;
  /** Escalation events beyond one per (ticket, deadline, level). */
  duplicated: number;
  /** Events applied more than 2 s before their instant. */
  early: number;
  /** The latest event after its instant (ms): a flushed delayed job is caught by the 30 s sweep. */
  maxLateMs: number;
  /** Staff notifications the applied steps should have written and did not. */
  staffMissing: number;
  examples: string[];
}

export async function countLadders(db: pg.Pool, rows: TicketRow[], m: LadderMinutes, judgeBefore: number): Promise<LadderCounts> {
  const steps = expectedSteps(rows, m);
  const { rows: events } = await db.query(
    `SELECT ticket_id::text, data->>'deadline' AS kind, data->>'level' AS level, at
       FROM ticket_events WHERE type = 'escalation' AND ticket_id = ANY($1::bigint[])`,
    [rows.map((r) => r.id)],
  );
  const { rows: staff } = await db.query(
    `SELECT ticket_id::text, template, audience, deadline FROM staff_notifications
      WHERE template LIKE 'escalation\\_%' AND ticket_id = ANY($1::bigint[])`,
    [rows.map((r) => r.id)],
  );
  const key = (id: string, kind: string, level: string) => `${id}|${kind}|${level}`;
  const applied = new Map<string, Date[]>();
  for (const e of events) {
    const k = key(e.ticket_id, e.kind, e.level);
    applied.set(k, [...(applied.get(k) ?? []), e.at]);
  }
  const staffSet = new Set(staff.map((s) => `${s.ticket_id}|${s.deadline}|${s.template}|${s.audience}`));
  const out: LadderCounts = { steps: steps.length, missing: 0, duplicated: 0, early: 0, maxLateMs: 0, staffMissing: 0, examples: [] };
  for (const s of steps) {
    const ats = applied.get(key(s.ticketId, s.kind, s.level)) ?? [];
    if (ats.length === 0) {
      if (s.at <= judgeBefore) {
        out.missing++;
        if (out.examples.length < 5) out.examples.push(`ticket id ${s.ticketId}: ${s.kind} ${s.level} due ${new Date(s.at).toISOString()} never applied`);
      }
      continue;
    }
    out.duplicated += ats.length - 1;
    if (ats.length > 1 && out.examples.length < 5) out.examples.push(`ticket id ${s.ticketId}: ${s.kind} ${s.level} applied ${ats.length} times`);
    const first = Math.min(...ats.map((a) => a.getTime()));
    if (first < s.at - 2000) out.early++;
    out.maxLateMs = Math.max(out.maxLateMs, first - s.at);
    for (const audience of AUDIENCES[s.level]) {
      if (!staffSet.has(`${s.ticketId}|${s.kind}|escalation_${s.level}|${audience}`)) out.staffMissing++;
    }
  }
  return out;
}
