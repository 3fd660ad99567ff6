// What templates use to show codes and instants to people: Asia/Shanghai times, Chinese labels,
// department and category names, and the readable details of a timeline event. Presentation only.
import { AWAITING_REPLY_STATUSES } from '../../domain/ticket.js';
import { excerpt } from '../../domain/duplicates.js';
import {
  ACTION_LABELS, EVENT_TYPE_LABELS, OUTCOME_LABELS, RETURN_REASON_LABELS, SATISFACTION_LABELS, SCREENING_LABELS, STATUS_LABELS,
} from '../../domain/ticket-labels.js';
import { CHANNEL_LABELS, KIND_LABELS } from '../../domain/sla.js';
import { LEVEL_LABELS } from '../../domain/deadlines.js';
import { ROLE_LABELS } from '../../domain/roles.js';
import { formatTicketNo } from '../../domain/ticket-number.js';
import { SHANGHAI_OFFSET_MS } from '../../domain/local-date.js';
import type { Catalogue } from '../../services/catalogue.service.js';
import type { Duration } from '../../domain/calendar.js';
import type { Rate } from '../../domain/stats.js';

import { HOTLINE_DELIVERY_LABELS, HOTLINE_EVENT_LABELS } from '../../domain/hotline.js';
import { ROBOT_DELIVERY_LABELS } from '../../domain/wechat-message.js';

export const LABELS = {
  status: STATUS_LABELS as Record<string, string>,
  outcome: OUTCOME_LABELS as Record<string, string>,
  kind: KIND_LABELS as Record<string, string>,
  channel: CHANNEL_LABELS as Record<string, string>,
  level: LEVEL_LABELS as Record<string, string>,
  satisfaction: SATISFACTION_LABELS as Record<string, string>,
  action: ACTION_LABELS as Record<string, string>,
  event: EVENT_TYPE_LABELS as Record<string, string>,
  returnReason: RETURN_REASON_LABELS as Record<string, string>,
  role: ROLE_LABELS as Record<string, string>,
  deadline: { signOff: '签收', resolve: '办结', followUp: '回访', coHandle: '协办' } as Record<string, string>,
  screening: SCREENING_LABELS as Record<string, string>,
  result: { resolved: '已解决', explained: '已解释说明', unresolvable: '暂无法解决' } as Record<string, string>,
  unit: { minutes: '分钟', hours: '小时', days: '自然日', working_days: '工作日' } as Record<string, string>,
  deptKind: { office: '站所办', village: '村/社区' } as Record<string, string>,
  noticeStatus: { draft: '草稿', published: '已发布', held: '暂缓发布' } as Record<string, string>,
  hotlineEvent: HOTLINE_EVENT_LABELS as Record<string, string>,
  hotlineDelivery: HOTLINE_DELIVERY_LABELS as Record<string, string>,
  robotDelivery: ROBOT_DELIVERY_LABELS,
};

type Instant = Date | string | null | undefined;

/** Shanghai wall-clock fields of an instant, as `YYYY-MM-DDTHH:MM` (China has no daylight saving). */
function shanghai(at: Instant): string | null {
  if (at === null || at === undefined) return null;
  const d = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return null;
  return new Date(d.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16);
}

/** `2026-11-25 09:30` */
export function dateTime(at: Instant): string {
  return shanghai(at)?.replace('T', ' ') ?? '—';
}

/** `2026年11月25日` */
export function dateZh(at: Instant): string {
  const s = shanghai(at);
  return s ? `${Number(s.slice(0, 4))}年${Number(s.slice(5, 7))}月${Number(s.slice(8, 10))}日` : '—';
}

/** The value of a `datetime-local` input for an instant. */
export function localInputValue(at: Date): string {
  return shanghai(at) ?? '';
}

/** A `datetime-local` value read as Asia/Shanghai time, or null when it is not one. */
export function fromLocalInput(value: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$/.exec(value.trim());
  return m ? `${m[1]}T${m[2]}${m[3] ?? ':00'}+08:00` : null;
}

export function duration(d: Duration | null | undefined): string {
  return d ? `${d.amount} ${LABELS.unit[d.unit] ?? d.unit}` : '—';
}

export function ticketNo(no: string): string {
  return /^\d{15}$/.test(no) ? formatTicketNo(no) : no;
}

/** `2026-11` → `2026年11月` */
export function monthZh(month: string): string {
  const [y, m] = month.split('-');
  return `${y}年${Number(m)}月`;
}

/** A rate as a percentage with one decimal (as in the statistics CSV); `—` when nothing was counted. */
export function pct(r: Rate): string {
  return r.value === null ? '—' : `${(r.value * 100).toFixed(1)}%`;
}

/** `60.0%（3/5）`: the rate with its numerator and denominator, so anyone can check it. */
export function rateText(r: Rate): string {
  return `${pct(r)}（${r.numerator}/${r.denominator}）`;
}

/** A file's size as people read it: 856 KB, 8.2 MB. */
export function fileSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export interface Helpers {
  labels: typeof LABELS;
  dateTime: typeof dateTime;
  dateZh: typeof dateZh;
  duration: typeof duration;
  ticketNo: typeof ticketNo;
  monthZh: typeof monthZh;
  label: (table: keyof typeof LABELS, code: string | null | undefined) => string;
  dept: (code: string | null | undefined) => string;
  cat: (code: string | null | undefined) => string;
  overdue: (t: { status: string; dueAt: string; paused?: boolean }) => boolean;
  eventDetails: (e: Record<string, unknown>) => string[];
  excerpt: typeof excerpt;
  fileSize: typeof fileSize;
}

const OPEN = new Set<string>(AWAITING_REPLY_STATUSES);

export function helpers(catalogue: Catalogue, now: Date): Helpers {
  const label = (table: keyof typeof LABELS, code: string | null | undefined): string =>
    code ? (LABELS[table][code] ?? code) : '—';
  const dept = (code: string | null | undefined) => (code ? (catalogue.departments.get(code)?.name ?? code) : '—');
  const cat = (code: string | null | undefined) => (code ? (catalogue.categories.get(code)?.name ?? code) : '未分类');
  return {
    labels: LABELS,
    dateTime,
    dateZh,
    duration,
    ticketNo,
    monthZh,
    label,
    dept,
    cat,
    excerpt,
    fileSize,
    // A pause in force is never late (SPEC §18).
    overdue: (t) => OPEN.has(t.status) && !t.paused && new Date(t.dueAt).getTime() < now.getTime(),
    eventDetails: (e) => eventDetails(e, { label, dept, cat }),
  };
}

/** What approving or refusing each kind of request reads as. */
const APPROVALS: Record<string, [string, string]> = {
  extension_decided: ['批准延期', '不批准延期'],
  pause_decided: ['批准中止计时', '不批准中止计时'],
  screening_decided: ['同意甄别', '不同意甄别'],
};

/** The staff-visible facts an event carries besides its note, as short Chinese phrases. */
function eventDetails(
  e: Record<string, unknown>,
  h: { label: Helpers['label']; dept: Helpers['dept']; cat: Helpers['cat'] },
): string[] {
  const out: string[] = [];
  const s = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : null);
  if (s('departmentCode')) out.push(`承办单位：${h.dept(s('departmentCode'))}`);
  if (s('categoryCode')) out.push(`分类：${h.cat(s('categoryCode'))}`);
  if (s('reasonCode')) out.push(`理由：${h.label('returnReason', s('reasonCode'))}`);
  if (typeof e.accept === 'boolean') out.push(e.accept ? '同意退单（改派）' : '不同意退单（退回原单位）');
  if (typeof e.approve === 'boolean') out.push(APPROVALS[String(e.type)]?.[e.approve ? 0 : 1] ?? (e.approve ? '批准' : '不批准'));
  if (s('category')) out.push(`甄别类别：${h.label('screening', s('category'))}`);
  if (s('until')) out.push(`预计恢复：${shanghai(s('until')!) ?? s('until')}`);
  if (typeof e.workingDays === 'number') out.push(`${e.workingDays} 个工作日`);
  if (s('result')) out.push(`办理结果：${h.label('result', s('result'))}`);
  if (typeof e.resolved === 'boolean') out.push(e.resolved ? '问题已解决' : '问题未解决');
  if (s('satisfaction')) out.push(`评价：${h.label('satisfaction', s('satisfaction'))}`);
  if (s('outcome')) out.push(`结果：${h.label('outcome', s('outcome'))}`);
  if (s('level')) out.push(`${h.label('deadline', s('deadline'))}期限 · ${h.label('level', s('level'))}`);
  if (s('intoTicketNo')) out.push(`并入：${ticketNo(s('intoTicketNo')!)}`);
  if (s('reason') && e.type !== 'returned') out.push(`原因：${s('reason')}`);
  if (s('internalNote')) out.push(`内部备注：${s('internalNote')}`);
  return out;
}
