// Figures and tables the statistics and notice pages show, built here as plain text so the
// `data-table` and `figures` partials only lay them out.
import type { NoticeTotals } from '../../domain/notice.js';
import type { Rate } from '../../domain/stats.js';
import { pct } from './format.js';

export interface Cell {
  text: string;
  href?: string;
}

export interface Column<R> {
  head: string;
  cell: (row: R) => string | number | Cell;
  /** Right-aligned (counts and rates). */
  num?: boolean;
  /** Long text that wraps (other cells keep to one line; the table scrolls sideways on a phone). */
  wrap?: boolean;
}

export interface Table {
  heads: { text: string; num: boolean }[];
  rows: { cells: (Cell & { cls: string })[] }[];
}

const cls = (c: { num?: boolean; wrap?: boolean }) => [c.num ? 'n' : '', c.wrap ? 'wrap' : ''].filter(Boolean).join(' ');

export function table<R>(columns: Column<R>[], rows: R[]): Table {
  return {
    heads: columns.map((c) => ({ text: c.head, num: !!c.num })),
    rows: rows.map((r) => ({
      cells: columns.map((c) => {
        const v = c.cell(r);
        return { ...(typeof v === 'object' ? v : { text: String(v) }), cls: cls(c) };
      }),
    })),
  };
}

export interface Figure {
  label: string;
  value: string;
  detail: string;
}

const count = (label: string, n: number): Figure => ({ label, value: String(n), detail: '件' });
const rateFigure = (label: string, r: Rate): Figure => ({ label, value: pct(r), detail: `${r.numerator}/${r.denominator}` });

/** The notice's headline figures; `brief` is the home page's four (received, closed, on time, satisfied). */
export function noticeFigures(t: NoticeTotals, brief = false): Figure[] {
  const figures = [count('受理诉求', t.received), count('已办结', t.closed), rateFigure('按时办结率', t.onTimeRate)];
  if (!brief) {
    figures.push(
      { label: '平均首次响应', value: t.avgFirstResponseHours === null ? '—' : String(t.avgFirstResponseHours), detail: '小时' },
      rateFigure('响应率', t.responseRate),
      rateFigure('解决率', t.resolutionRate),
    );
  }
  return [...figures, rateFigure('满意率', t.satisfactionRate)];
}
