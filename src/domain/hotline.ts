// The 12345 hotline as pure rules (SPEC §15): the platform's Chinese names of a village and of a
// category matched to the catalogue, the notes that flag what was left for the clerk, and which
// timeline events are reported back to the platform (and how each is called there).
import type { TimelineEvent } from './ticket.js';

export interface NamedEntry {
  code: string;
  name: string;
  active: boolean;
}

const compact = (s: string): string => s.replace(/[\s\u3000]+/gu, '');

/**
 * The entry the platform's name means: the exact name; else the longest active name contained in
 * it ("东山村3组" → 东山村; "民政-低保特困救助" → 低保特困救助); else the one active name that
 * contains it ("东山" → 东山村, only when unambiguous). Null when nothing, or more than one, fits.
 */
export function matchName<T extends NamedEntry>(given: string, entries: Iterable<T>): T | null {
  const g = compact(given);
  if (g === '') return null;
  const active = [...entries].filter((e) => e.active && compact(e.name) !== '');
  const exact = active.find((e) => compact(e.name) === g);
  if (exact) return exact;
  const inside = active.filter((e) => g.includes(compact(e.name))).sort((a, b) => compact(b.name).length - compact(a.name).length);
  if (inside.length > 0 && (inside.length === 1 || compact(inside[0].name).length > compact(inside[1].name).length)) return inside[0];
  if (inside.length > 0) return null;
  const around = g.length >= 2 ? active.filter((e) => compact(e.name).includes(g)) : [];
  return around.length === 1 ? around[0] : null;
}

/** The internal timeline notes of names the catalogue did not match: the clerk's to settle. */
export function unmatchedNotes(unmatched: { area?: string; category?: string }, from = '12345'): string[] {
  const notes: string[] = [];
  if (unmatched.area !== undefined) notes.push(`${from} 所属村(社区)“${unmatched.area}”未匹配，请人工核对村/社区`);
  if (unmatched.category !== undefined) notes.push(`${from} 分类“${unmatched.category}”未匹配，请人工分类`);
  return notes;
}

/** What the platform hears of (SPEC §15); `reported_up` from the supervisor's `report_up` (SPEC §18). */
export const HOTLINE_EVENTS = ['returned', 'extension_approved', 'replied', 'closed', 'reported_up'] as const;
export type HotlineEvent = (typeof HOTLINE_EVENTS)[number];

export const HOTLINE_EVENT_LABELS: Record<HotlineEvent, string> = {
  returned: '退单', extension_approved: '延期获批', replied: '答复', closed: '办结', reported_up: '上报',
};

/** Delivery states of a report to the platform, as staff read them. */
export const HOTLINE_DELIVERY_LABELS: Record<string, string> = {
  pending: '待推送',
  delivered: '已推送',
  retrying: '推送失败重试中',
  not_configured: '未配置推送地址（请手工反馈）',
};

export interface HotlineReport {
  event: HotlineEvent;
  at: Date;
  reply?: string;
  result?: string;
  outcome?: string;
  reason?: string;
}

/** The reports an action's timeline events call for, in order. */
export function hotlineReports(events: readonly TimelineEvent[], ctx: { extensionReason: string | null }): HotlineReport[] {
  const out: HotlineReport[] = [];
  for (const e of events) {
    if (e.type === 'returned') {
      out.push({ event: 'returned', at: e.at, ...(e.note ? { reason: e.note } : {}) });
    } else if (e.type === 'extension_decided' && e.data.approve === true) {
      out.push({ event: 'extension_approved', at: e.at, ...(ctx.extensionReason ? { reason: ctx.extensionReason } : {}) });
    } else if (e.type === 'replied') {
      out.push({ event: 'replied', at: e.at, ...(e.note ? { reply: e.note } : {}), ...(typeof e.data.result === 'string' ? { result: e.data.result } : {}) });
    } else if (e.type === 'closed') {
      out.push({ event: 'closed', at: e.at, ...(typeof e.data.outcome === 'string' ? { outcome: e.data.outcome } : {}) });
    } else if (e.type === 'reported_up') {
      out.push({ event: 'reported_up', at: e.at, ...(e.note ? { reason: e.note } : {}) });
    }
  }
  return out;
}
