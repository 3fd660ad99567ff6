// Exporting the filtered staff list as a ledger (SPEC §15): every matching ticket the caller may
// see (handlers: their department), read page by page on the list's keyset and streamed out as CSV
// or XLSX (exceljs's streaming writer), phones masked unless unmasked — which is audited.
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { csvRow, neutralise, type CsvValue } from '../domain/csv.js';
import { EXPORT_HEADERS, exportRow } from '../domain/ledger-export.js';
import { maskPhone } from '../domain/masking.js';
import { appendAudit } from '../db/audit.repository.js';
import { listTickets } from '../db/ticket-list.repository.js';
import { withTx } from '../db/tx.js';
import { getCatalogue } from './catalogue.service.js';
import { scopedFilter, type ListQuery, type StaffIdentity } from './tickets.query.service.js';
import type { ServiceDeps } from './deps.js';

export type ExportFormat = 'csv' | 'xlsx';
/** An export holds at most this many rows; a last line says when more matched. */
export const MAX_EXPORT_ROWS = 100_000;
const PAGE = 1000;

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

async function* exportRows(deps: ServiceDeps, staff: StaffIdentity, q: Omit<ListQuery, 'limit' | 'cursor'>, unmask: boolean): AsyncGenerator<CsvValue[]> {
  // What the staff member's list may hold (handlers: their department's and co-handled; grid workers: their own).
  const scope = scopedFilter(staff, q.departmentCode);
  if (!scope) return;
  const catalogue = await getCatalogue(deps);
  const names = {
    department: (c: string) => catalogue.departments.get(c)?.name,
    category: (c: string) => catalogue.categories.get(c)?.name,
  };
  const now = deps.clock.now();
  let cursor: { receivedAt: Date; id: string } | undefined;
  let count = 0;
  for (;;) {
    const rows = await listTickets(deps.db, { ...q, ...scope, cursor, limit: PAGE, now });
    for (const t of rows) {
      if (count++ === MAX_EXPORT_ROWS) {
        yield [`仅导出前 ${MAX_EXPORT_ROWS} 行，请缩小筛选范围后分批导出`];
        return;
      }
      yield exportRow({ ...t, phone: unmask ? t.complainantPhone : maskPhone(t.complainantPhone) }, names, now);
    }
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1];
    cursor = { receivedAt: last.receivedAt, id: last.id };
  }
}

async function primed<T>(gen: AsyncGenerator<T>): Promise<AsyncGenerator<T>> {
  const first = await gen.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    yield* gen;
  })();
}

/** The export as a stream; the unmask is audited before the first byte. */
export async function exportLedger(
  deps: ServiceDeps,
  staff: StaffIdentity,
  q: Omit<ListQuery, 'limit' | 'cursor'>,
  opts: { format: ExportFormat; unmask: boolean },
): Promise<Readable> {
  if (opts.unmask) {
    const at = deps.clock.now();
    await withTx(deps.db, (tx) =>
      appendAudit(tx, { actor: `user:${staff.username}`, action: 'unmask', target: 'export:tickets', data: { field: 'complainant.phone', format: opts.format }, at }),
    );
  }
  // The first page is read before answering: a database away is a 503, not a cut-off 200.
  const rows = await primed(exportRows(deps, staff, q, opts.unmask));
  if (opts.format === 'csv') {
    return Readable.from(
      (async function* () {
        yield `\uFEFF${csvRow(EXPORT_HEADERS)}\r\n`;
        for await (const r of rows) yield `${csvRow(r)}\r\n`;
      })(),
    );
  }
  const out = new PassThrough();
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const sheet = book.addWorksheet('台账');
  const write = async (): Promise<void> => {
    sheet.addRow([...EXPORT_HEADERS]).commit();
    for await (const r of rows) {
      // Text only, neutralised like the CSV: a cell read back into another tool never runs as a formula.
      sheet.addRow(r.map((v) => (typeof v === 'string' ? neutralise(v) : v))).commit();
    }
    sheet.commit();
    await book.commit();
  };
  write().catch((err: unknown) => out.destroy(err as Error));
  return out;
}
