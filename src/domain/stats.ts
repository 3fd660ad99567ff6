// The performance figures (三率, SPEC §9) from counts: every rate carries its numerator and
// denominator so anyone can check it. Pure.
import { SHANGHAI_OFFSET_MS } from './local-date.js';

export interface Rate {
  numerator: number;
  denominator: number;
  /** 0–1, four decimals; null when nothing was counted. */
  value: number | null;
}

export function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, value: denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000 };
}

export const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** [from, to) of a month in Asia/Shanghai, as UTC instants. */
export function monthRange(month: string): { from: Date; to: Date } {
  const m = MONTH_RE.exec(month);
  if (!m) throw new RangeError(`not a month: ${month}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const from = new Date(Date.UTC(y, mo - 1, 1) - SHANGHAI_OFFSET_MS);
  const to = new Date(Date.UTC(mo === 12 ? y + 1 : y, mo === 12 ? 0 : mo, 1) - SHANGHAI_OFFSET_MS);
  return { from, to };
}

/** The month before the one containing `now` (Asia/Shanghai): what the 1st-of-month draft covers. */
export function previousMonth(now: Date): string {
  const local = new Date(now.getTime() + SHANGHAI_OFFSET_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth(); // 0-based: the previous month's 1-based number
  return m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
}

export interface CountsLike {
  assigned: number;
  acceptedOnTime: number;
  replied: number;
  repliedOnTime: number;
  overdueOpen: number;
  followupsReached: number;
  followupsResolved: number;
  followupsSatisfied: number;
}

/**
 * - 响应率 responseRate = acceptances within the sign-off limit ÷ sign-off clocks started
 *   (assignments, reassignments and reopens; a ticket returned without accepting counts as not
 *   responded)
 * - 按时办结率 onTimeRate = replies by the deadline in force ÷ (replies + open and already overdue)
 * - 解决率 resolutionRate = follow-ups answering resolved ÷ follow-ups reached
 * - 满意率 satisfactionRate = (very satisfied + satisfied + basically satisfied) ÷ follow-ups reached
 * Follow-ups "not reached" (unreachable, no response) count in neither rate.
 */
export function rates(c: CountsLike) {
  return {
    responseRate: rate(c.acceptedOnTime, c.assigned),
    onTimeRate: rate(c.repliedOnTime, c.replied + c.overdueOpen),
    resolutionRate: rate(c.followupsResolved, c.followupsReached),
    satisfactionRate: rate(c.followupsSatisfied, c.followupsReached),
  };
}
