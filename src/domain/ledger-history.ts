// A past case of a ledger (SPEC §15) as the timeline and ticket fields it leaves: a finished history
// written as it happened (assigned and signed off when received, replied and followed up when
// closed), not a decision to take now — so it is built here rather than by decide(), with the
// events in the shapes decide() and the actions service give them, which is what the statistics
// (src/db/stats.repository.ts) and the notice (src/db/notices.repository.ts) count: `replied` with
// `onTime`, `followed_up` with `reached`/`resolved`/`satisfaction`, `closed` with the outcome.
import type { PastCase } from './ledger.js';
import { REACHED_SATISFACTIONS, type Outcome } from './ticket-rules.js';
import type { TimelineEvent } from './ticket.js';

export interface PastTrail {
  events: TimelineEvent[];
  outcome: Outcome;
  /** When the ledger says it was handed to the department and signed off: the day it came in. */
  assignedAt: Date;
  repliedAt: Date;
  closedAt: Date;
}

/** The outcome as a follow-up would close it: never "resolved" against the resident's word. */
export function pastOutcome(p: PastCase): Outcome {
  return p.result === 'resolved' && p.resolved === false ? 'unresolvable' : p.result;
}

export function pastCaseTrail(t: { receivedAt: Date; dueAt: Date; categoryCode: string | null }, p: PastCase): PastTrail {
  const actor = { kind: 'system' as const, id: null };
  const closedAt = new Date(p.closedAt);
  const reached = (REACHED_SATISFACTIONS as readonly string[]).includes(p.satisfaction);
  const outcome = pastOutcome(p);
  const ev = (type: TimelineEvent['type'], at: Date, isPublic: boolean, note: string | null, data: Record<string, unknown>): TimelineEvent => ({
    type, at, actor, note, public: isPublic, data: { ...data, ledger: true },
  });
  return {
    outcome,
    assignedAt: t.receivedAt,
    repliedAt: closedAt,
    closedAt,
    events: [
      ev('assigned', t.receivedAt, true, null, { departmentCode: p.departmentCode, categoryCode: t.categoryCode, previousDepartmentCode: null }),
      ev('accepted', t.receivedAt, true, null, { signOffDueAt: null, onTime: true }),
      ev('replied', closedAt, true, p.reply, { result: p.result, publicSummary: null, dueAt: t.dueAt.toISOString(), onTime: closedAt <= t.dueAt }),
      ev('followed_up', closedAt, true, null, { resolved: reached ? p.resolved : null, satisfaction: p.satisfaction, reached, round: 0, by: 'system' }),
      ev('closed', closedAt, true, null, { outcome }),
    ],
  };
}
