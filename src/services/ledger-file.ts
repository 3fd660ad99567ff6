// Reading a ledger file (SPEC §15): .xlsx through exceljs's streaming reader (first worksheet, row by
// row), .csv as UTF-8 (with or without BOM) or else GB18030. The kind is sniffed from the bytes,
// never taken from the name or the client's type. Yields the header row, then the data rows.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { DomainError } from '../domain/errors.js';
import { parseCsv, type Cell } from '../domain/ledger-values.js';

export const MAX_LEDGER_ROWS = 50_000;

export interface SheetRow {
  /** The row's line in the sheet (the header is line 1 when it is the first line). */
  line: number;
  cells: Cell[];
}

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

function unsupported(message: string): DomainError {
  return new DomainError('UNSUPPORTED_MEDIA_TYPE', message, [{ path: 'file', message }]);
}

export function tooManyRows(): DomainError {
  const message = `行数过多：一次最多导入 ${MAX_LEDGER_ROWS.toLocaleString('en-US').replace(/,/g, ' ')} 行，请拆分文件`;
  return new DomainError('PAYLOAD_TOO_LARGE', message, [{ path: 'file', message }]);
}

/** `.xlsx` or `.csv`, from the bytes; 415 for anything else, 400 for an empty file. */
export function sniffLedger(buf: Buffer): 'xlsx' | 'csv' {
  if (buf.length === 0) throw new DomainError('VALIDATION_FAILED', '上传的文件是空的', [{ path: 'file', message: '文件为空' }]);
  if (buf.subarray(0, 4).equals(ZIP)) return 'xlsx';
  if (buf.subarray(0, 4).equals(OLE)) throw unsupported('不支持旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 或 .csv 后上传');
  // Text has no NUL bytes (UTF-16 files do: Excel's "Unicode text" is not CSV either).
  if (buf.subarray(0, 8192).includes(0)) throw unsupported('不是表格文件：请上传 .xlsx 或 .csv 文件');
  return 'csv';
}

/** UTF-8 when the bytes are valid UTF-8, else GB18030 (what Chinese Windows Excel saves as CSV). */
export function decodeCsv(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    return iconv.decode(buf, 'gb18030');
  }
}

/** exceljs cell values flattened to what a ledger reads: rich text, formulas' results, links' text. */
function flatten(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('formula' in v || 'sharedFormula' in v) return flatten((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('text' in v) return typeof v.text === 'string' ? v.text : flatten(v.text as ExcelJS.CellValue);
    if ('error' in v) return null;
  }
  return null;
}

/** Buffers decoded as one UTF-8 stream: a character split between two chunks stays whole. */
async function* utf8Text(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const c of chunks) {
    const s = typeof c === 'string' ? c : decoder.decode(c, { stream: true });
    if (s) yield s;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

type Entry = NodeJS.ReadableStream & { setEncoding(e: BufferEncoding): unknown };
type ReaderInternals = {
  _parseWorksheet(iterable: AsyncIterable<Buffer | string>, sheetNo: string): AsyncGenerator<unknown>;
  _parseSharedStrings(entry: Entry): AsyncGenerator<unknown>;
  _parseWorkbook(entry: Entry): Promise<void>;
  _parseRels(entry: Entry): Promise<void>;
  _parseStyles(entry: Entry): Promise<void>;
};
const Base = ExcelJS.stream.xlsx.WorkbookReader as unknown as new (input: Readable, options: object) => ExcelJS.stream.xlsx.WorkbookReader &
  ReaderInternals;

/**
 * exceljs 4.4's streaming reader decodes every zip chunk on its own (lib/utils/parse-sax.js), so a
 * Chinese character that straddles two 16 KB chunks comes out as U+FFFD — a name or a demand
 * silently garbled (exceljs issues #2063, #2084; unfixed). Its parts are handed to it as text
 * decoded across chunks instead: strings pass through its decoder untouched.
 */
class Utf8WorkbookReader extends Base {
  override _parseWorksheet(iterable: AsyncIterable<Buffer | string>, sheetNo: string) {
    return super._parseWorksheet(utf8Text(iterable), sheetNo);
  }
  override _parseSharedStrings(entry: Entry) {
    entry.setEncoding('utf8');
    return super._parseSharedStrings(entry);
  }
  override _parseWorkbook(entry: Entry) {
    entry.setEncoding('utf8');
    return super._parseWorkbook(entry);
  }
  override _parseRels(entry: Entry) {
    entry.setEncoding('utf8');
    return super._parseRels(entry);
  }
  override _parseStyles(entry: Entry) {
    entry.setEncoding('utf8');
    return super._parseStyles(entry);
  }
}

async function* xlsxRows(buf: Buffer): AsyncGenerator<SheetRow> {
  const reader = new Utf8WorkbookReader(Readable.from(buf), {
    sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit', entries: 'ignore',
  });
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = Array.isArray(row.values) ? row.values : [];
        // exceljs rows are 1-based: values[0] is always empty.
        yield { line: row.number, cells: values.slice(1).map((v) => flatten(v as ExcelJS.CellValue)) };
      }
      break; // the first worksheet is the ledger
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw unsupported('无法读取该 .xlsx 文件：文件已损坏或不是 Excel 工作簿，请在 Excel 中另存为 .xlsx 或 .csv 后重试');
  }
}

function* csvRows(buf: Buffer): Generator<SheetRow> {
  const rows: string[][] = [];
  parseCsv(decodeCsv(buf), (cells) => {
    rows.push(cells);
    return rows.length <= MAX_LEDGER_ROWS + 1;
  });
  let line = 0;
  for (const cells of rows) yield { line: ++line, cells };
}

/** Every row of the first sheet, blank rows included (the caller skips them). */
export function ledgerRows(buf: Buffer): AsyncIterable<SheetRow> | Iterable<SheetRow> {
  return sniffLedger(buf) === 'xlsx' ? xlsxRows(buf) : csvRows(buf);
}
