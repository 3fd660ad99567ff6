// CSV for spreadsheet software — the one writer every CSV export uses (statistics, the notice case
// list). RFC 4180 quoting, CRLF line ends, a UTF-8 BOM so Excel reads the Chinese, and formula
// cells neutralised (SPEC §14): text that a spreadsheet would run as a formula gets a leading
// apostrophe, so `=HYPERLINK(…)` in a department name shows as text instead of becoming a link.

export type CsvValue = string | number | null;

/** Excel and LibreOffice treat a cell starting with = + - @ (or a tab or CR before one) as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text as a spreadsheet should show it: formula starts defused with a leading apostrophe. */
export function neutralise(s: string): string {
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** One cell: text neutralised and quoted when needed; numbers as they are (−3 stays a number). */
export function csvCell(v: CsvValue): string {
  const s = v === null ? '' : typeof v === 'number' ? String(v) : neutralise(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: readonly CsvValue[]): string {
  return cells.map(csvCell).join(',');
}

/** A whole file: BOM, header row, rows, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return `\uFEFF${[header, ...rows].map(csvRow).join('\r\n')}\r\n`;
}
