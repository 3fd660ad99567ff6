// Ledger (台账) rows as pure rules (SPEC §15): which column means what (the usual Chinese headers,
// adjustable by the clerk), and each row checked and turned into what registration needs — or into
// errors naming the row and the column. Past cases (办结时间 + 回复内容) carry their reply and
// follow-up. No I/O: the service reads the file, the catalogue and the clock and passes them in.
import type { ErrorDetail } from './errors.js';
import { matchName, type NamedEntry } from './hotline.js';
import { halfWidth, cellText, endOfDay, parseInstant, parsePhone, type Cell } from './ledger-values.js';
import { KINDS, KIND_LABELS, type Kind } from './sla.js';
import { DISSATISFIED, REACHED_SATISFACTIONS, SATISFACTIONS, type ReplyResult, type Satisfaction } from './ticket-rules.js';
import { SATISFACTION_LABELS } from './ticket-labels.js';
import { FUTURE_TOLERANCE_MS } from './registration.js';

export const LEDGER_FIELDS = [
  'externalNo', 'ticketNo', 'receivedAt', 'kind', 'content', 'name', 'phone', 'village', 'category', 'department',
  'dueAt', 'closedAt', 'reply', 'resolved', 'satisfaction',
] as const;
export type LedgerField = (typeof LEDGER_FIELDS)[number];
/** A column the clerk chose to leave out, or one an export writes for people only (状态, 是否按时). */
export const IGNORE = 'ignore' as const;
export type ColumnTarget = LedgerField | typeof IGNORE;

/** The headers each field is read from (SPEC §15), first = the name exports write. */
export const FIELD_HEADERS: Record<LedgerField, readonly string[]> = {
  externalNo: ['工单编号'],
  ticketNo: ['本系统工单号'],
  receivedAt: ['受理时间', '来电时间'],
  kind: ['诉求类型', '工单类型'],
  content: ['诉求内容', '主要内容'],
  name: ['来电人', '诉求人'],
  phone: ['来电号码', '联系电话', '来电人电话'],
  village: ['所属村(社区)', '被反映村居', '村/社区'],
  category: ['问题分类', '事项小类'],
  department: ['承办部门', '承办单位'],
  dueAt: ['要求办结时间', '承诺完成时间'],
  closedAt: ['办结时间'],
  reply: ['回复内容'],
  resolved: ['是否解决'],
  satisfaction: ['是否满意', '满意度'],
};
/** Headers an export writes that no field reads back. */
export const INFORMATIVE_HEADERS = ['状态', '是否按时'] as const;

export const FIELD_LABELS: Record<LedgerField, string> = Object.fromEntries(
  LEDGER_FIELDS.map((f) => [f, FIELD_HEADERS[f][0]]),
) as Record<LedgerField, string>;

/** Without these columns no row can be read: 400 naming them. 工单编号 may be 本系统工单号 instead. */
export const REQUIRED_FIELDS: readonly LedgerField[] = ['externalNo', 'receivedAt', 'kind', 'content'];

/** Imported `receivedAt` may be this old (SPEC §15; interactive registration keeps a year). */
export const MAX_LEDGER_AGE_MS = 5 * 366 * 24 * 60 * 60 * 1000;
export const MAX_CONTENT = 2000;

/** Headers compared without spaces, with half-width brackets (所属村（社区） = 所属村(社区)). */
export function headerKey(h: string): string {
  return halfWidth(h).replace(/[\s\u3000]+/g, '').replace(/（/g, '(').replace(/）/g, ')');
}

const DEFAULT_TARGETS = new Map<string, ColumnTarget>([
  ...LEDGER_FIELDS.flatMap((f) => FIELD_HEADERS[f].map((h) => [headerKey(h), f] as [string, ColumnTarget])),
  ...INFORMATIVE_HEADERS.map((h) => [headerKey(h), IGNORE] as [string, ColumnTarget]),
]);

/** The column each header feeds: the clerk's choice where given, else the default names, else nothing. */
export function mapHeaders(headers: readonly string[], chosen: Readonly<Record<string, ColumnTarget>> = {}): (ColumnTarget | null)[] {
  const byKey = new Map(Object.entries(chosen).map(([h, f]) => [headerKey(h), f]));
  const taken = new Set<LedgerField>();
  return headers.map((h) => {
    const key = headerKey(h);
    const target = byKey.get(key) ?? DEFAULT_TARGETS.get(key) ?? null;
    // Two columns for one field (来电时间 and 受理时间): the first wins, the other is left out.
    if (target === null || target === IGNORE || taken.has(target)) return target === null ? null : IGNORE;
    taken.add(target);
    return target;
  });
}

/** The required fields no column feeds (工单编号 is satisfied by 本系统工单号). */
export function missingFields(targets: readonly (ColumnTarget | null)[]): LedgerField[] {
  const has = new Set(targets);
  return REQUIRED_FIELDS.filter((f) => !has.has(f) && !(f === 'externalNo' && has.has('ticketNo')));
}

const KIND_BY_NAME = new Map<string, Kind>([
  ...KINDS.map((k) => [k, k] as [string, Kind]),
  ...KINDS.map((k) => [KIND_LABELS[k], k] as [string, Kind]),
  ['求援', 'help'], ['意见建议', 'suggest'], ['投诉举报', 'complaint'], ['紧急求助', 'emergency'],
]);
const SATISFACTION_BY_NAME = new Map<string, Satisfaction>([
  ...SATISFACTIONS.map((s) => [s, s] as [string, Satisfaction]),
  ...SATISFACTIONS.map((s) => [SATISFACTION_LABELS[s], s] as [string, Satisfaction]),
  ['是', 'satisfied'], ['否', 'dissatisfied'], ['未回访', 'unreachable'], ['无法联系', 'unreachable'], ['未接通', 'unreachable'],
]);
const YES = new Set(['是', '已解决', '解决', 'Y', 'y', 'yes', 'true', '1']);
const NO = new Set(['否', '未解决', '不', 'N', 'n', 'no', 'false', '0']);

/** A catalogue entry as ledger rows are matched to it; departments say which are villages. */
export interface LedgerCatalogue {
  villages: readonly NamedEntry[];
  categories: readonly (NamedEntry & { departmentCode: string })[];
  departments: readonly NamedEntry[];
}

/** A past case's history as the ledger records it. */
export interface PastCase {
  departmentCode: string;
  closedAt: string;
  reply: string;
  result: ReplyResult;
  resolved: boolean | null;
  satisfaction: Satisfaction;
}

/** A valid row, ready for registration (JSON-safe: staged in the `imports` table). */
export interface LedgerRow {
  row: number;
  externalNo: string;
  receivedAt: string;
  kind: Kind;
  content: string;
  name?: string;
  phone?: string;
  villageCode?: string;
  categoryCode?: string;
  dueAt?: string;
  /** Names the catalogue did not match: left for the clerk (internal timeline notes). */
  unmatched: { area?: string; category?: string };
  past?: PastCase;
}

export interface RowError {
  row: number;
  column: string;
  message: string;
}

const EXTERNAL_NO_RE = /^[\x21-\x7e\u4e00-\u9fff]{1,64}$/u;

/** A cell an export neutralised ('=…, '+86…) reads back as written. */
function unneutralise(v: Cell): Cell {
  return typeof v === 'string' && /^'[=+\-@]/.test(v) ? v.slice(1) : v;
}

/**
 * One data row (`row` = its line in the sheet, header = 1) read through the column targets.
 * Answers the row or its errors (every problem, not only the first).
 */
export function readRow(
  row: number,
  cells: readonly Cell[],
  headers: readonly string[],
  targets: readonly (ColumnTarget | null)[],
  catalogue: LedgerCatalogue,
  now: Date,
): { ok: true; value: LedgerRow } | { ok: false; errors: RowError[] } {
  const cellOf = new Map<LedgerField, { v: Cell; header: string }>();
  targets.forEach((t, i) => {
    if (t && t !== IGNORE) cellOf.set(t, { v: unneutralise(cells[i] ?? null), header: headers[i] });
  });
  const errors: RowError[] = [];
  const column = (f: LedgerField): string => cellOf.get(f)?.header ?? FIELD_LABELS[f];
  const fail = (f: LedgerField, message: string): void => void errors.push({ row, column: column(f), message });
  const text = (f: LedgerField): string | null => cellText(cellOf.get(f)?.v ?? null);

  const ticketNo = text('ticketNo');
  const externalNo = (text('externalNo') ?? (ticketNo ? halfWidth(ticketNo).replace(/[\s-]/g, '') : null));
  const ext = externalNo === null ? null : halfWidth(externalNo).trim();
  if (ext === null) fail('externalNo', '缺少工单编号');
  else if (!EXTERNAL_NO_RE.test(ext)) fail('externalNo', '工单编号最多64个字符，只能包含字母、数字、符号或汉字，不含空格');

  const received = parseInstant(cellOf.get('receivedAt')?.v ?? null);
  if (text('receivedAt') === null) fail('receivedAt', '缺少受理时间');
  else if (!received) fail('receivedAt', `无法识别的时间“${text('receivedAt')}”，应如 2026-03-05 09:07 或 2026/3/5 9:07`);
  else if (received.at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) fail('receivedAt', '受理时间不能晚于当前时间');
  else if (received.at.getTime() < now.getTime() - MAX_LEDGER_AGE_MS) fail('receivedAt', '受理时间不能早于5年前');

  const kindText = text('kind');
  const kind = kindText === null ? undefined : KIND_BY_NAME.get(kindText.replace(/\s+/g, ''));
  if (kindText === null) fail('kind', '缺少诉求类型');
  else if (!kind) fail('kind', `诉求类型“${kindText}”应为 咨询 求助 建议 投诉 举报 紧急 之一`);

  const content = text('content');
  if (content === null || content.length < 5) fail('content', '诉求内容至少5个字');
  else if (content.length > MAX_CONTENT) fail('content', `诉求内容不能超过${MAX_CONTENT}字（本行${content.length}字）`);

  const name = text('name');
  if (name !== null && name.length > 30) fail('name', '来电人姓名不能超过30个字');
  const phone = parsePhone(cellOf.get('phone')?.v ?? null);
  if (!phone.ok) fail('phone', `电话号码“${text('phone')}”格式不正确：手机号为11位（1开头），座机如 0571-88886666`);

  const due = parseInstant(cellOf.get('dueAt')?.v ?? null);
  const dueAt = due ? endOfDay(due) : null;
  if (text('dueAt') !== null && !due) fail('dueAt', `无法识别的时间“${text('dueAt')}”`);
  else if (dueAt && received && dueAt.getTime() <= received.at.getTime()) fail('dueAt', '要求办结时间应晚于受理时间');

  const villageName = text('village');
  const village = villageName === null ? null : matchName(villageName, catalogue.villages);
  const categoryName = text('category');
  const category = categoryName === null ? null : matchName(categoryName, catalogue.categories);

  const past = readPast(fail, text, cellOf, received?.at ?? null, now, { village, category }, catalogue);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      row,
      externalNo: ext!,
      receivedAt: received!.at.toISOString(),
      kind: kind!,
      content: content!,
      ...(name !== null ? { name } : {}),
      ...(phone.ok && phone.phone ? { phone: phone.phone } : {}),
      ...(village ? { villageCode: village.code } : {}),
      ...(category ? { categoryCode: category.code } : {}),
      ...(dueAt ? { dueAt: dueAt.toISOString() } : {}),
      unmatched: {
        ...(villageName !== null && !village ? { area: villageName } : {}),
        ...(categoryName !== null && !category ? { category: categoryName } : {}),
      },
      ...(past ? { past } : {}),
    },
  };
}

function readPast(
  fail: (f: LedgerField, message: string) => void,
  text: (f: LedgerField) => string | null,
  cellOf: Map<LedgerField, { v: Cell }>,
  receivedAt: Date | null,
  now: Date,
  matched: { village: NamedEntry | null; category: (NamedEntry & { departmentCode: string }) | null },
  catalogue: LedgerCatalogue,
): PastCase | null {
  const closedText = text('closedAt');
  const reply = text('reply');
  const resolvedText = text('resolved');
  const satisfactionText = text('satisfaction');
  if (closedText === null && reply === null) return null;
  if (closedText === null) {
    fail('closedAt', '有回复内容的历史工单须填写办结时间');
    return null;
  }
  if (reply === null) {
    fail('reply', '有办结时间的历史工单须填写回复内容');
    return null;
  }
  const closed = parseInstant(cellOf.get('closedAt')?.v ?? null);
  if (!closed) fail('closedAt', `无法识别的时间“${closedText}”`);
  else if (closed.at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) fail('closedAt', '办结时间不能晚于当前时间');
  else if (receivedAt && closed.at.getTime() < receivedAt.getTime()) fail('closedAt', '办结时间不能早于受理时间');
  if (reply.length > MAX_CONTENT) fail('reply', `回复内容不能超过${MAX_CONTENT}字`);
  let resolved: boolean | null = null;
  if (resolvedText !== null) {
    if (YES.has(resolvedText)) resolved = true;
    else if (NO.has(resolvedText)) resolved = false;
    else fail('resolved', `是否解决“${resolvedText}”应为 是 或 否`);
  }
  let satisfaction: Satisfaction = 'unreachable';
  if (satisfactionText !== null) {
    const s = SATISFACTION_BY_NAME.get(satisfactionText.replace(/\s+/g, ''));
    if (s) satisfaction = s;
    else fail('satisfaction', `是否满意“${satisfactionText}”应为 非常满意 满意 基本满意 不满意 非常不满意 之一（未回访可留空）`);
  }
  const departmentName = text('department');
  const department =
    (departmentName !== null ? matchName(departmentName, catalogue.departments) : null)?.code ??
    matched.category?.departmentCode ??
    matched.village?.code ??
    null;
  if (department === null) {
    fail(departmentName !== null ? 'department' : 'category', '历史办结工单须能确定承办部门：请填写可匹配的承办部门、问题分类或所属村(社区)');
  }
  if (!closed || department === null) return null;
  const reached = (REACHED_SATISFACTIONS as readonly string[]).includes(satisfaction);
  return {
    departmentCode: department,
    closedAt: closed.at.toISOString(),
    reply,
    result: resolved === false ? 'unresolvable' : resolved === true ? 'resolved' : 'explained',
    resolved: reached ? (resolved ?? !DISSATISFIED.includes(satisfaction)) : null,
    satisfaction,
  };
}

/** The details of a 400 for columns that are missing (the header names, in Chinese). */
export function missingColumnDetails(missing: readonly LedgerField[]): ErrorDetail[] {
  return missing.map((f) => ({
    path: `file.${FIELD_LABELS[f]}`,
    message: `缺少必需的列“${FIELD_LABELS[f]}”（可用列名：${FIELD_HEADERS[f].join('、')}${f === 'externalNo' ? '、本系统工单号' : ''}），或在对应关系中指定`,
  }));
}
