// Ledger files for the import tests (SPEC §15): multipart bodies as a browser sends them, XLSX made
// with exceljs (dates as real date cells or serials, as Excel writes them), CSV in UTF-8 or GB18030.
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { csvRow, type CsvValue } from '../../src/domain/csv.js';
import type { TestContext, Session } from './app.js';

// Multipart bodies are test/helpers/files.ts's; the ledger tests call them `multipart`.
import { multipartForm as multipart, type FilePart } from './files.js';
export { multipart, type FilePart };

export type SheetCell = string | number | Date | null;

export async function xlsxBuffer(rows: SheetCell[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('工单');
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await book.xlsx.writeBuffer());
}

export function csvText(rows: CsvValue[][]): string {
  return rows.map((r) => csvRow(r)).join('\r\n') + '\r\n';
}

export const gb18030 = (text: string): Buffer => iconv.encode(text, 'gb18030');

export function upload(ctx: TestContext, session: Session, file: FilePart, mapping?: unknown) {
  const body = multipart({ ...(mapping !== undefined ? { mapping: JSON.stringify(mapping) } : {}), file });
  return ctx.app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...session.headers, ...body.headers }, payload: body.payload });
}

export function commit(ctx: TestContext, session: Session, importId: string) {
  return ctx.app.inject({ method: 'POST', url: `/api/v1/imports/${importId}/commit`, headers: session.headers });
}
