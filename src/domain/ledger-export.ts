// The exported ledger's layout (SPEC §15): the import's columns — so an export imports back — plus
// 本系统工单号, 状态, 承办部门, 回复内容, 办结时间, 是否按时, 满意度 (and 是否解决, which the import
// also reads). Text cells are neutralised by the writers (csv.ts `neutralise`, for XLSX cells too).
import { FIELD_LABELS } from './ledger.js';
import { formatWallTime } from './ledger-values.js';
import { KIND_LABELS, type Kind } from './sla.js';
import { AWAITING_REPLY_STATUSES, type TicketStatus } from './ticket-rules.js';
import { SATISFACTION_LABELS, STATUS_LABELS } from './ticket-labels.js';

export const EXPORT_HEADERS = [
  FIELD_LABELS.ticketNo,
  FIELD_LABELS.externalNo,
  FIELD_LABELS.receivedAt,
  FIELD_LABELS.kind,
  FIELD_LABELS.content,
  FIELD_LABELS.name,
  FIELD_LABELS.phone,
  FIELD_LABELS.village,
  FIELD_LABELS.category,
  FIELD_LABELS.dueAt,
  '状态',
  FIELD_LABELS.department,
  FIELD_LABELS.reply,
  FIELD_LABELS.closedAt,
  '是否按时',
  FIELD_LABELS.resolved,
  '满意度',
] as const;

/** The ticket fields an export reads. */
export interface ExportTicket {
  ticketNo: string;
  externalNo: string | null;
  receivedAt: Date;
  kind: string;
  content: string;
  complainantName: string | null;
  phone: string | null;
  villageCode: string | null;
  categoryCode: string | null;
  departmentCode: string | null;
  dueAt: Date;
  status: string;
  reply: string | null;
  repliedAt: Date | null;
  closedAt: Date | null;
  resolved: boolean | null;
  satisfaction: string | null;
}

export interface ExportNames {
  department: (code: string) => string | undefined;
  category: (code: string) => string | undefined;
}

/** 是否按时: replied by the deadline in force; an open ticket past it is late; otherwise not yet known. */
export function onTimeLabel(t: Pick<ExportTicket, 'status' | 'dueAt' | 'repliedAt'>, now: Date): string {
  if (t.repliedAt) return t.repliedAt <= t.dueAt ? '是' : '否';
  if ((AWAITING_REPLY_STATUSES as readonly string[]).includes(t.status) && now > t.dueAt) return '否';
  return '';
}

export function exportRow(t: ExportTicket, names: ExportNames, now: Date): (string | null)[] {
  const name = (code: string | null, f: (c: string) => string | undefined) => (code ? (f(code) ?? code) : null);
  // 办结时间 with its 回复内容 only: a row with both imports back as a past case (rejected ones have none).
  const finished = t.status === 'closed' && t.reply !== null;
  return [
    t.ticketNo,
    t.externalNo,
    formatWallTime(t.receivedAt),
    KIND_LABELS[t.kind as Kind] ?? t.kind,
    t.content,
    t.complainantName,
    t.phone,
    name(t.villageCode, names.department),
    name(t.categoryCode, names.category),
    formatWallTime(t.dueAt),
    STATUS_LABELS[t.status as TicketStatus] ?? t.status,
    name(t.departmentCode, names.department),
    t.reply,
    finished && t.closedAt ? formatWallTime(t.closedAt) : null,
    onTimeLabel(t, now),
    t.resolved === null ? null : t.resolved ? '是' : '否',
    t.satisfaction ? (SATISFACTION_LABELS[t.satisfaction as keyof typeof SATISFACTION_LABELS] ?? t.satisfaction) : null,
  ];
}
