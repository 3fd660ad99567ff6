// The monthly notice's figures (SPEC §8): one counting function per ticket, summed by group — in
// SQL by noticeFigureRows in production, in JS here for small inputs and tests. The definitions of
// every figure are at the top of notice.ts.
import { REACHED_SATISFACTIONS } from './ticket-rules.js';
import type { NoticeTicket } from './notice.js';

const AWAITING_REPLY = new Set(['registered', 'assigned', 'in_progress', 'returned']);
/** Never accepted and still in the dispatch loop: late once the sign-off deadline passed. */
const AWAITING_SIGN_OFF = new Set(['assigned', 'returned']);
const REACHED = new Set<string>(REACHED_SATISFACTIONS);
const SATISFIED = new Set(['very_satisfied', 'satisfied', 'basically_satisfied']);
export const HOUR_MS = 3_600_000;

const isReplied = (t: NoticeTicket): boolean =>
  t.repliedAt !== null && (t.status === 'replied' || (t.status === 'closed' && t.outcome !== 'rejected'));
// A pause in force is never late (SPEC §18).
const isOverdueOpen = (t: NoticeTicket, now: Date): boolean =>
  AWAITING_REPLY.has(t.status) && !t.paused && t.dueAt.getTime() < now.getTime();

/** The 甄别 categories (SPEC §18) as count fields: `screened_unreasonable` → `screenedUnreasonable`. */
export const SCREENED_FIELDS = {
  unreasonable: 'screenedUnreasonable',
  repeated: 'screenedRepeated',
  outside_scope: 'screenedOutsideScope',
  legal_process: 'screenedLegalProcess',
  other: 'screenedOther',
} as const;
type ScreenedField = (typeof SCREENED_FIELDS)[keyof typeof SCREENED_FIELDS];

/**
 * The figures of one group of tickets (the whole month, a channel, a village × category cell, a
 * department…): counts only, so that PostgreSQL can sum them (noticeFigureRows) as well as
 * `ticketCounts` + `addCounts` here.
 */
export interface NoticeCounts {
  received: number;
  closed: number;
  onTime: number;
  replyDecided: number;
  overdueOpen: number;
  /** Denominator of the response rate. */
  assigned: number;
  acceptedOnTime: number;
  /** Tickets with a first acceptance, and the sum of (first acceptance − receivedAt) in whole ms. */
  accepted: number;
  responseMs: number;
  reached: number;
  resolved: number;
  satisfied: number;
  improperReturns: number;
  /** SPEC §18: screened tickets (甄别) — in received and closed, out of every rate — and by category. */
  screened: number;
  screenedUnreasonable: number;
  screenedRepeated: number;
  screenedOutsideScope: number;
  screenedLegalProcess: number;
  screenedOther: number;
}

/** Which grouping a figure row belongs to (the GROUPING SETS of noticeFigureRows). */
export type NoticeFigureSet = 'total' | 'channel' | 'kind' | 'category' | 'village' | 'villageCategory' | 'department';

/** One group's figures; the columns not grouped by in its set are null. */
export interface NoticeFigureRow extends NoticeCounts {
  set: NoticeFigureSet;
  channel: string | null;
  kind: string | null;
  categoryCode: string | null;
  villageCode: string | null;
  departmentCode: string | null;
}

export const zeroCounts = (): NoticeCounts => ({
  received: 0, closed: 0, onTime: 0, replyDecided: 0, overdueOpen: 0, assigned: 0, acceptedOnTime: 0,
  accepted: 0, responseMs: 0, reached: 0, resolved: 0, satisfied: 0, improperReturns: 0,
  screened: 0, screenedUnreasonable: 0, screenedRepeated: 0, screenedOutsideScope: 0, screenedLegalProcess: 0, screenedOther: 0,
});

function addCounts(into: NoticeCounts, c: NoticeCounts): void {
  for (const k of Object.keys(c) as (keyof NoticeCounts)[]) into[k] += c[k];
}

/** One ticket's contribution to every figure (the definitions in the header, for one row). */
export function ticketCounts(t: NoticeTicket, now: Date): NoticeCounts {
  const c = zeroCounts();
  c.received = 1;
  if (t.status === 'closed' || t.status === 'merged') c.closed = 1;
  c.improperReturns = t.improperReturns;
  if (t.firstAcceptedAt !== null) {
    c.accepted = 1;
    c.responseMs = t.firstAcceptedAt.getTime() - t.receivedAt.getTime();
  }
  if (t.screeningCategory) {
    // Still answered, counted apart, and in none of the rates' numerators or denominators.
    c.screened = 1;
    const field = SCREENED_FIELDS[t.screeningCategory as keyof typeof SCREENED_FIELDS] as ScreenedField | undefined;
    if (field) c[field] = 1;
    return c;
  }
  if (isReplied(t)) {
    c.replyDecided = 1;
    if (t.repliedAt!.getTime() <= t.dueAt.getTime()) c.onTime = 1;
  } else if (isOverdueOpen(t, now)) {
    c.replyDecided = 1;
    c.overdueOpen = 1;
  }
  if (t.assignedAt !== null) {
    const limit = t.signOffDueAt?.getTime() ?? Number.POSITIVE_INFINITY;
    if (t.firstAcceptedAt !== null) {
      c.assigned = 1;
      if (t.firstAcceptedAt.getTime() <= limit) c.acceptedOnTime = 1;
    } else if (AWAITING_SIGN_OFF.has(t.status) && limit < now.getTime()) {
      c.assigned = 1;
    }
  }
  if (t.satisfaction !== null && REACHED.has(t.satisfaction)) {
    c.reached = 1;
    if (t.resolved === true) c.resolved = 1;
    if (SATISFIED.has(t.satisfaction)) c.satisfied = 1;
  }
  return c;
}

/** The figure rows of noticeFigureRows, computed from the month's ticket rows (small inputs, tests). */
export function figureRowsFromTickets(tickets: readonly NoticeTicket[], now: Date): NoticeFigureRow[] {
  const groups = new Map<string, NoticeFigureRow>();
  const add = (set: NoticeFigureSet, key: Partial<Omit<NoticeFigureRow, 'set' | keyof NoticeCounts>>, c: NoticeCounts) => {
    const id = JSON.stringify([set, key]);
    let row = groups.get(id);
    if (!row) {
      row = { set, channel: null, kind: null, categoryCode: null, villageCode: null, departmentCode: null, ...key, ...zeroCounts() };
      groups.set(id, row);
    }
    addCounts(row, c);
  };
  add('total', {}, zeroCounts());
  for (const t of tickets) {
    const c = ticketCounts(t, now);
    add('total', {}, c);
    add('channel', { channel: t.channel }, c);
    add('kind', { kind: t.kind }, c);
    add('category', { categoryCode: t.categoryCode }, c);
    add('village', { villageCode: t.villageCode }, c);
    add('villageCategory', { villageCode: t.villageCode, categoryCode: t.categoryCode }, c);
    add('department', { departmentCode: t.departmentCode }, c);
  }
  return [...groups.values()];
}

/** Mean first response in hours, one decimal; null when none was accepted. */
