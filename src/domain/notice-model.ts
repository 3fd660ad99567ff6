// The monthly notice's model (SPEC §8) as stored with every revision: its rows, totals and cases.
// The rules that fill it are src/domain/notice.ts; NOTICE_SCHEMA_VERSION there names this shape.
import type { Rate } from './stats.js';
import type { SCREENED_FIELDS } from './notice-figures.js';

export interface CountRow {
  code: string | null;
  name: string;
  count: number;
}

/** A village × category count: "<3" for 1 or 2 tickets (they could identify a person). */
export type CellCount = number | '<3';

export interface VillageRow {
  code: string | null;
  name: string;
  count: number;
  byCategory: { code: string | null; name: string; count: CellCount }[];
}

export interface DepartmentRow {
  code: string;
  name: string;
  received: number;
  closed: number;
  onTime: number;
  onTimeRate: Rate;
  overdueOpen: number;
  satisfactionRate: Rate;
  improperReturns: number;
  /** Screened (甄别) tickets of the department, out of its rates (SPEC §18). */
  screened: number;
  /** Tickets of the month it co-handles (协办), besides those it leads (SPEC §18). */
  coHandling: number;
}

/** Screened tickets by 甄别 category (SPEC §18). */
export type ScreenedCounts = Record<keyof typeof SCREENED_FIELDS, number>;

export interface NoticeCase {
  ticketNo: string; // 20261125-483920-7
  date: string; // YYYY-MM-DD, Asia/Shanghai
  village: string | null;
  category: string;
  summary: string;
  department: string | null;
  status: string;
  statusLabel: string;
  outcome: string | null;
  outcomeLabel: string | null;
}

export interface NoticeTotals {
  received: number;
  closed: number;
  onTime: number;
  onTimeRate: Rate;
  avgFirstResponseHours: number | null;
  responseRate: Rate;
  resolutionRate: Rate;
  satisfactionRate: Rate;
  /** SPEC §18: screened tickets, left out of every rate above, in total and by category. */
  screened: number;
  screenedByCategory: ScreenedCounts;
}

export interface NoticeModel {
  month: string;
  totals: NoticeTotals;
  byChannel: CountRow[];
  byKind: CountRow[];
  byCategory: CountRow[];
  byVillage: VillageRow[];
  departments: DepartmentRow[];
  cases: NoticeCase[];
  nextSteps: string | null;
}
