// The monthly public notice (每月公示, SPEC §8): the month's ticket rows → the notice model (figures,
// tables, the case list), and the model → WeChat text, CSV and WeCom-sized parts. Pure: the caller
// loads the rows and passes `now`; the model is plain JSON (stored as a revision, read back as is).
// generateNotice gets the figures from SQL (noticeFigureRows: the sums of ticketCounts by group)
// and builds the model with noticeModelFromFigures; buildNoticeModel is the same function over
// figureRowsFromTickets, the definition the SQL is tested against.
//
// Definitions (SPEC §9 vocabulary; every rate is { numerator, denominator, value }, value rounded to
// four places, null when the denominator is 0). "Replied" means replied in the current round: status
// `replied`, or `closed` with a reply on record and an outcome other than `rejected`. "Awaiting a
// reply" means status registered / assigned / in_progress / returned. Instants compare as "late"
// only when strictly after the deadline (deadlines end at 23:59:59).
// - received: every ticket whose receivedAt falls in the month (Asia/Shanghai), confidential and
//   merged ones included.
// - closed: status `closed` (any outcome, `rejected` included) or `merged` — accounted for.
// - onTime / onTimeRate (按时办结率): numerator = replied with repliedAt ≤ dueAt (the dueAt in force:
//   extensions and reopens move it); denominator = replied + awaiting a reply with dueAt already
//   passed at `now`. Tickets whose deadline has not come yet are undecided and left out, so a notice
//   drafted on the 1st does not count last week's tickets as late. Rejected and merged tickets are
//   never replied and count in neither.
// - overdueOpen: awaiting a reply and dueAt passed at `now`.
// - responseRate (响应率): over tickets ever assigned (assignedAt set). Numerator = accepted with
//   the first acceptance by the sign-off deadline on record (none on record: any acceptance counts).
//   Denominator = the accepted ones + those never accepted that are still `assigned` or `returned`
//   with the sign-off deadline passed at `now` (a return without accepting is not a response).
//   Never accepted and merged or closed (duplicate, rejected after a return) counts in neither;
//   not yet due is undecided. The rows hold one sign-off deadline (the latest assignment's), so a
//   reassigned ticket is measured by its first acceptance against it; the per-assignment figure
//   is the statistics' job (§9, stats.ts).
// - avgFirstResponseHours: mean of (first acceptance − receivedAt) in hours over accepted tickets,
//   one decimal; null when none was accepted.
// - reached follow-ups: the ticket's latest follow-up has one of the five GB/T 39735 levels
//   (`unreachable`, `no_response` are followed-up-not-reached and count nowhere).
//   resolutionRate (解决率) = reached with resolved = true ÷ reached;
//   satisfactionRate (满意率) = reached with very_satisfied / satisfied / basically_satisfied ÷ reached.
// - departments: one row per department holding tickets of the month (current departmentCode);
//   improperReturns = refused returns (终审) of those tickets.
// - byVillage cells: village × category counts; a cell of 1 or 2 tickets is shown as "<3".
// - cases: every non-confidential ticket, oldest first; confidential ones count everywhere else.
//   Village: the village department's name, else the address cut to its village (or none).
//   Summary: publicSummary if a person wrote one, else the content — either way through scrubText
//   with the complainant's name and address, ≤ 80 characters.

import { rate, MONTH_RE } from './stats.js';
import { shanghaiDateKeyIso } from './local-date.js';
import { HOUR_MS, SCREENED_FIELDS, figureRowsFromTickets, zeroCounts, type NoticeCounts, type NoticeFigureRow, type NoticeFigureSet } from './notice-figures.js';
import { formatTicketNo } from './ticket-number.js';
import { OUTCOME_LABELS, STATUS_LABELS } from './ticket-labels.js';
import { CHANNEL_LABELS, CHANNELS, KIND_LABELS, KINDS } from './sla.js';
import { containsPersonalData, scrubText, villageOnly } from './masking.js';

export type { Rate } from './stats.js';
export type { CountRow, CellCount, VillageRow, DepartmentRow, ScreenedCounts, NoticeCase, NoticeTotals, NoticeModel } from './notice-model.js';
import type { CellCount, VillageRow, DepartmentRow, ScreenedCounts, NoticeCase, NoticeTotals, NoticeModel } from './notice-model.js';

export interface NoticeTicket {
  ticketNo: string;
  receivedAt: Date;
  channel: string;
  kind: string;
  categoryCode: string | null;
  villageCode: string | null;
  departmentCode: string | null;
  status: string;
  outcome: string | null;
  confidential: boolean;
  content: string;
  publicSummary: string | null;
  complainantName: string | null;
  address: string | null;
  firstAcceptedAt: Date | null;
  repliedAt: Date | null;
  dueAt: Date;
  closedAt: Date | null;
  satisfaction: string | null;
  resolved: boolean | null;
  improperReturns: number;
  assignedAt: Date | null;
  signOffDueAt: Date | null;
  /** SPEC §18: the 甄别 category once approved, and whether a pause is in force. */
  screeningCategory?: string | null;
  paused?: boolean;
  /** SPEC §18: the co-handling (协办) departments. */
  coDepartmentCodes?: string[];
}

/** The month's tickets co-handled by each department (SPEC §18). */
export interface CoHandlingRow {
  departmentCode: string;
  count: number;
}

/** Label overrides; the defaults are the domain's tables (SPEC §2, §3). */
export interface NoticeLabels {
  channels: Record<string, string>;
  kinds: Record<string, string>;
  statuses: Record<string, string>;
  outcomes: Record<string, string>;
}

export interface NoticeInput {
  month: string; // YYYY-MM
  tickets: NoticeTicket[];
  now: Date;
  departments: { code: string; name: string; kind: string }[];
  categories: { code: string; name: string }[];
  nextSteps: string | null;
  labels?: Partial<NoticeLabels>;
  /** The township's official numbers (TOWNSHIP_HOTLINES): kept as written in the next steps. */
  officialNumbers?: readonly string[];
}

/**
 * The shape of NoticeModel, stored with every revision. Raise it when the model changes and teach
 * upgradeNoticeModel to read the older shape: published revisions are never regenerated.
 */
export const NOTICE_SCHEMA_VERSION = 2;

/** A stored model in the current shape. Version 1 had no screening (甄别): none was screened then. */
export function upgradeNoticeModel(model: unknown, schemaVersion: number): NoticeModel {
  if (schemaVersion > NOTICE_SCHEMA_VERSION) {
    throw new Error(`notice model schema ${schemaVersion} is newer than this version reads (${NOTICE_SCHEMA_VERSION})`);
  }
  if (schemaVersion >= 2) return model as NoticeModel;
  const m = model as NoticeModel;
  return {
    ...m,
    totals: { ...m.totals, screened: 0, screenedByCategory: screenedByCategory(zeroCounts()) },
    departments: m.departments.map((d) => ({ ...d, screened: 0, coHandling: 0 })),
  };
}

function screenedByCategory(c: NoticeCounts): ScreenedCounts {
  return Object.fromEntries(Object.entries(SCREENED_FIELDS).map(([k, f]) => [k, c[f]])) as ScreenedCounts;
}

export const UNCATEGORISED = '未分类';
export const NO_VILLAGE = '未注明村（社区）';
/** Shown instead of a summary that still holds personal data after scrubbing (a last guard). */
export const SUMMARY_WITHHELD = '（摘要不予公开）';

export { figureRowsFromTickets, ticketCounts } from './notice-figures.js';
export type { NoticeCounts, NoticeFigureRow, NoticeFigureSet } from './notice-figures.js';

const avgHours = (c: NoticeCounts): number | null =>
  c.accepted ? Math.round((c.responseMs / HOUR_MS / c.accepted) * 10) / 10 : null;

/** Known codes in catalogue order, then unknown ones sorted, then null. */
function orderCodes(present: Iterable<string | null>, catalogue: readonly string[]): (string | null)[] {
  const set = new Set(present);
  const known = catalogue.filter((c) => set.has(c));
  const unknown = [...set].filter((c): c is string => c !== null && !catalogue.includes(c)).sort();
  return [...known, ...unknown, ...(set.has(null) ? [null] : [])];
}

const smallCell = (n: number): CellCount => (n > 0 && n < 3 ? '<3' : n);

function assertMonth(month: string, tickets: readonly Pick<NoticeTicket, 'ticketNo' | 'receivedAt'>[]): void {
  if (!MONTH_RE.test(month)) throw new RangeError(`not a month: ${month}`);
  for (const t of tickets) {
    // A row from another month is a caller's bug (a UTC month boundary, say): fail loudly.
    if (shanghaiDateKeyIso(t.receivedAt).slice(0, 7) !== month) {
      throw new RangeError(`ticket ${t.ticketNo} was not received in ${month} (Asia/Shanghai)`);
    }
  }
}

function caseSummary(t: NoticeCaseTicket): string {
  const source = t.publicSummary?.trim() ? t.publicSummary : t.content;
  const summary = scrubText(source, { names: [t.complainantName], addresses: [t.address] });
  return containsPersonalData(summary) ? SUMMARY_WITHHELD : summary;
}

/** Without a village code the address names the village, cut and scrubbed; else none is shown. */
function villageFromAddress(t: NoticeCaseTicket): string | null {
  const village = villageOnly(t.address, null);
  return (village && scrubText(village, { names: [t.complainantName], maxLength: 30 })) || null;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The notice of SPEC §8 for one month, from that month's ticket rows. */
export function buildNoticeModel(input: NoticeInput): NoticeModel {
  assertMonth(input.month, input.tickets);
  const { tickets, ...rest } = input;
  const co = new Map<string, number>();
  for (const t of tickets) for (const c of t.coDepartmentCodes ?? []) co.set(c, (co.get(c) ?? 0) + 1);
  return noticeModelFromFigures({
    ...rest,
    figureRows: figureRowsFromTickets(tickets, input.now),
    cases: tickets.filter((t) => !t.confidential),
    coHandling: [...co].map(([departmentCode, count]) => ({ departmentCode, count })),
  });
}

/** The columns of a ticket the case list shows. */
export type NoticeCaseTicket = Pick<
  NoticeTicket,
  | 'ticketNo' | 'receivedAt' | 'categoryCode' | 'villageCode' | 'departmentCode' | 'status' | 'outcome'
  | 'content' | 'publicSummary' | 'complainantName' | 'address'
>;

export interface NoticeFiguresInput extends Omit<NoticeInput, 'tickets'> {
  /** The month's figures by group (noticeFigureRows, or figureRowsFromTickets). */
  figureRows: readonly NoticeFigureRow[];
  /** The month's non-confidential tickets (the case list), in any order. */
  cases: readonly NoticeCaseTicket[];
  /** Co-handling per department (noticeCoHandlingRows); none: no co-handling. */
  coHandling?: readonly CoHandlingRow[];
}

/** The same model as buildNoticeModel, from the figures by group and the listed tickets. */
export function noticeModelFromFigures(input: NoticeFiguresInput): NoticeModel {
  assertMonth(input.month, input.cases);
  const labels: NoticeLabels = {
    channels: { ...CHANNEL_LABELS, ...input.labels?.channels },
    kinds: { ...KIND_LABELS, ...input.labels?.kinds },
    statuses: { ...STATUS_LABELS, ...input.labels?.statuses },
    outcomes: { ...OUTCOME_LABELS, ...input.labels?.outcomes },
  };
  const deptName = new Map(input.departments.map((d) => [d.code, d.name]));
  const catName = new Map(input.categories.map((c) => [c.code, c.name]));
  const catOrder = input.categories.map((c) => c.code);
  const categoryName = (code: string | null): string => (code === null ? UNCATEGORISED : (catName.get(code) ?? code));
  const rowsOf = (set: NoticeFigureSet) => input.figureRows.filter((r) => r.set === set && r.received > 0);

  const all = input.figureRows.find((r) => r.set === 'total') ?? zeroCounts();
  const totals: NoticeTotals = {
    received: all.received,
    closed: all.closed,
    onTime: all.onTime,
    onTimeRate: rate(all.onTime, all.replyDecided),
    avgFirstResponseHours: avgHours(all),
    responseRate: rate(all.acceptedOnTime, all.assigned),
    resolutionRate: rate(all.resolved, all.reached),
    satisfactionRate: rate(all.satisfied, all.reached),
    screened: all.screened,
    screenedByCategory: screenedByCategory(all),
  };

  const enumRows = (codes: readonly string[], set: 'channel' | 'kind', names: Record<string, string>) => {
    const counts = new Map(rowsOf(set).map((r) => [r[set] as string, r.received]));
    return orderCodes([...codes, ...counts.keys()], codes).map((code) => ({
      code,
      name: names[code as string] ?? (code as string),
      count: counts.get(code as string) ?? 0,
    }));
  };

  const catCounts = new Map(rowsOf('category').map((r) => [r.categoryCode, r.received]));
  const byCategory = orderCodes(catCounts.keys(), catOrder)
    .map((code) => ({ code, name: categoryName(code), count: catCounts.get(code) ?? 0 }))
    // Stable: equal counts keep catalogue order; the uncategorised stay last.
    .sort((a, b) => (a.code === null ? 1 : 0) - (b.code === null ? 1 : 0) || b.count - a.count);

  const villageOrder = input.departments.filter((d) => d.kind === 'village').map((d) => d.code);
  const villageCounts = new Map(rowsOf('village').map((r) => [r.villageCode, r.received]));
  const villageCells = new Map<string | null, Map<string | null, number>>();
  for (const r of rowsOf('villageCategory')) {
    const cells = villageCells.get(r.villageCode) ?? new Map<string | null, number>();
    cells.set(r.categoryCode, r.received);
    villageCells.set(r.villageCode, cells);
  }
  const byVillage: VillageRow[] = orderCodes(villageCounts.keys(), villageOrder).map((code) => {
    const cells = villageCells.get(code) ?? new Map<string | null, number>();
    return {
      code,
      name: code === null ? NO_VILLAGE : (deptName.get(code) ?? code),
      count: villageCounts.get(code) ?? 0,
      byCategory: orderCodes(cells.keys(), catOrder).map((c) => ({
        code: c,
        name: categoryName(c),
        count: smallCell(cells.get(c) ?? 0),
      })),
    };
  });

  const byDepartment = new Map(rowsOf('department').filter((r) => r.departmentCode !== null).map((r) => [r.departmentCode as string, r]));
  // The department table counts lead and co-handling work (SPEC §18).
  const coHandling = new Map((input.coHandling ?? []).map((c) => [c.departmentCode, c.count]));
  const departments: DepartmentRow[] = orderCodes([...byDepartment.keys(), ...coHandling.keys()], input.departments.map((d) => d.code))
    .map((code) => {
      const c = byDepartment.get(code as string) ?? zeroCounts();
      return {
        code: code as string,
        name: deptName.get(code as string) ?? (code as string),
        received: c.received,
        closed: c.closed,
        onTime: c.onTime,
        onTimeRate: rate(c.onTime, c.replyDecided),
        overdueOpen: c.overdueOpen,
        satisfactionRate: rate(c.satisfied, c.reached),
        improperReturns: c.improperReturns,
        screened: c.screened,
        coHandling: coHandling.get(code as string) ?? 0,
      };
    });

  const cases: NoticeCase[] = [...input.cases]
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || compare(a.ticketNo, b.ticketNo))
    .map((t) => ({
      ticketNo: formatTicketNo(t.ticketNo),
      date: shanghaiDateKeyIso(t.receivedAt),
      village: t.villageCode !== null ? (deptName.get(t.villageCode) ?? t.villageCode) : villageFromAddress(t),
      category: categoryName(t.categoryCode),
      summary: caseSummary(t),
      department: t.departmentCode === null ? null : (deptName.get(t.departmentCode) ?? t.departmentCode),
      status: t.status,
      statusLabel: labels.statuses[t.status] ?? t.status,
      outcome: t.outcome,
      outcomeLabel: t.outcome === null ? null : (labels.outcomes[t.outcome] ?? t.outcome),
    }));

  // Next steps are a supervisor's prose: kept line by line, still scrubbed (SPEC: no phones at all).
  const nextSteps = input.nextSteps?.trim()
    ? input.nextSteps.trim().split(/\r?\n/).map((line) => scrubText(line, { maxLength: Infinity, officialNumbers: input.officialNumbers ?? [] })).join('\n')
    : null;

  return {
    month: input.month,
    totals,
    byChannel: enumRows(CHANNELS, 'channel', labels.channels),
    byKind: enumRows(KINDS, 'kind', labels.kinds),
    byCategory,
    byVillage,
    departments,
    cases,
    nextSteps,
  };
}
