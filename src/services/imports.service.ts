// Ledger imports (SPEC §15): an upload is read and every row checked without storing any ticket —
// the valid rows wait in `imports` for the uploader's commit, which registers each through the one
// registration service (source `import`, or `hotline_12345`), idempotent by the platform's number.
// Rows and their personal data stay in Postgres: nothing of them is logged or put in a job.
import { randomUUID } from 'node:crypto';
import { DomainError, validationError } from '../domain/errors.js';
import { unmatchedNotes } from '../domain/hotline.js';
import {
  FIELD_LABELS, IGNORE, LEDGER_FIELDS, mapHeaders, missingColumnDetails, missingFields, readRow,
  type ColumnTarget, type LedgerCatalogue, type LedgerRow, type RowError,
} from '../domain/ledger.js';
import { cellText, type Cell } from '../domain/ledger-values.js';
import { toCsv } from '../domain/csv.js';
import * as repo from '../db/imports.repository.js';
import { existingNumbers } from '../db/tickets.repository.js';
import { appendAudit } from '../db/audit.repository.js';
import { withTx } from '../db/tx.js';
import { storableText } from '../db/storable.js';
import { getCatalogue } from './catalogue.service.js';
import { ledgerRows, tooManyRows, MAX_LEDGER_ROWS } from './ledger-file.js';
import { registerTicket, type Registrant } from './register.service.js';
import { HOTLINE_DEFAULT_CHANNEL } from './hotline.service.js';
import type { ServiceDeps } from './deps.js';

export const IMPORT_SOURCES = ['import', 'hotline_12345'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];
/** How long validated rows wait for the commit. */
export const IMPORT_TTL_MS = 24 * 60 * 60 * 1000;
/** Errors the JSON answer lists (all of them are in the CSV report). */
export const ANSWER_ERRORS = 1000;
/** Errors kept at all: a file of 50 000 bad rows still gets a useful report. */
const STORED_ERRORS = 20_000;
const COMMIT_CHUNK = 200;
const COMMIT_PARALLEL = 4;
const LEASE_MS = 2 * 60 * 1000;

export interface ImportMapping {
  /** Header as in the file → field (or `ignore`); headers not named keep the default reading. */
  columns?: Record<string, ColumnTarget>;
  source?: ImportSource;
}

export interface Uploader {
  userId: string;
  username: string;
  displayName: string;
}

export interface ImportReport {
  importId: string;
  fileName: string;
  source: ImportSource;
  rows: number;
  valid: number;
  invalid: number;
  alreadyImported: number;
  pastCases: number;
  headers: { header: string; field: ColumnTarget | null }[];
  errors: RowError[];
  errorCount: number;
  expiresAt: string;
}

export interface CommitResult {
  importId: string;
  status: 'committed';
  total: number;
  imported: number;
  pastCases: number;
  alreadyImported: number;
  failed: number;
  errors: RowError[];
}

function ledgerCatalogue(c: Awaited<ReturnType<typeof getCatalogue>>): LedgerCatalogue {
  const departments = [...c.departments.values()];
  return { villages: departments.filter((d) => d.kind === 'village'), departments, categories: [...c.categories.values()] };
}

const isBlank = (cells: readonly Cell[]): boolean => cells.every((c) => cellText(c) === null);

/** Reads and checks an upload; stores its valid rows (not tickets) for the commit. */
export async function validateImport(
  deps: ServiceDeps,
  who: Uploader,
  file: { buffer: Buffer; fileName: string },
  mapping: ImportMapping,
): Promise<ImportReport> {
  const now = deps.clock.now();
  const catalogue = ledgerCatalogue(await getCatalogue(deps));
  let headers: string[] | null = null;
  let targets: (ColumnTarget | null)[] = [];
  const staged: LedgerRow[] = [];
  const errors: RowError[] = [];
  let rows = 0;
  let invalid = 0;
  let errorCount = 0;
  const firstRowOf = new Map<string, number>();
  for await (const { line, cells } of ledgerRows(file.buffer)) {
    if (isBlank(cells)) continue;
    if (headers === null) {
      headers = cells.map((c, i) => cellText(c) ?? `第${i + 1}列`);
      targets = mapHeaders(headers, mapping.columns);
      const missing = missingFields(targets);
      if (missing.length > 0) throw validationError(missingColumnDetails(missing), `缺少必需的列：${missing.map((f) => FIELD_LABELS[f]).join('、')}`);
      continue;
    }
    if (++rows > MAX_LEDGER_ROWS) throw tooManyRows();
    const read = readRow(line, cells, headers, targets, catalogue, now);
    let rowErrors = read.ok ? [] : read.errors;
    if (read.ok) {
      const first = firstRowOf.get(read.value.externalNo);
      if (first !== undefined) {
        const column = headers[targets.indexOf('externalNo')] ?? headers[targets.indexOf('ticketNo')] ?? FIELD_LABELS.externalNo;
        rowErrors = [{ row: line, column, message: `工单编号“${read.value.externalNo}”与第${first}行重复` }];
      } else {
        firstRowOf.set(read.value.externalNo, line);
        staged.push(read.value);
      }
    }
    if (rowErrors.length > 0) {
      invalid++;
      errorCount += rowErrors.length;
      for (const e of rowErrors) if (errors.length < STORED_ERRORS) errors.push(e);
    }
  }
  if (headers === null) throw validationError([{ path: 'file', message: '文件中没有内容（找不到表头行）' }], '上传的文件是空的');
  if (rows === 0) throw validationError([{ path: 'file', message: '文件只有表头，没有数据行' }], '上传的文件没有数据行');

  const source = mapping.source ?? 'import';
  // Control characters are already refused at the edge (text-input plugin); storable = no lone surrogates.
  const fileName = storableText(file.fileName || 'ledger').slice(0, 255);
  const known = await existingNumbers(deps.db, staged.map((r) => r.externalNo));
  const fresh = staged.filter((r) => !known.has(r.externalNo));
  const importId = randomUUID();
  const expiresAt = new Date(now.getTime() + IMPORT_TTL_MS);
  const report: ImportReport = {
    importId,
    fileName,
    source,
    rows,
    valid: fresh.length,
    invalid,
    alreadyImported: staged.length - fresh.length,
    pastCases: fresh.filter((r) => r.past).length,
    headers: headers.map((header, i) => ({ header, field: targets[i] })),
    errors,
    errorCount,
    expiresAt: expiresAt.toISOString(),
  };
  await repo.insertImport(deps.db, { id: importId, createdBy: who.userId, createdAt: now, expiresAt, fileName, source, report, staged: fresh });
  return { ...report, errors: errors.slice(0, ANSWER_ERRORS) };
}

async function ownImport(deps: ServiceDeps, who: Uploader, importId: string): Promise<repo.ImportRow> {
  const row = /^[0-9a-f-]{36}$/.test(importId) ? await repo.findImport(deps.db, importId, who.userId, deps.clock.now()) : null;
  if (!row) throw new DomainError('NOT_FOUND', '没有这个导入批次，或已超过24小时失效，请重新上传');
  return row;
}

/** The state of an import: its report's counts, and the commit's progress and answer. */
export async function importStatus(deps: ServiceDeps, who: Uploader, importId: string) {
  const row = await ownImport(deps, who, importId);
  const report = row.report as ImportReport;
  return {
    importId: row.id,
    status: row.status,
    fileName: row.fileName,
    source: row.source,
    rows: report.rows,
    valid: report.valid,
    invalid: report.invalid,
    alreadyImported: report.alreadyImported,
    total: row.total,
    done: row.done,
    result: (row.result as CommitResult | null) ?? null,
  };
}

/** Every error of the report, as CSV (行号, 列, 问题). */
export async function importReportCsv(deps: ServiceDeps, who: Uploader, importId: string): Promise<string> {
  const report = (await ownImport(deps, who, importId)).report as ImportReport;
  const lines = report.errors.map((e) => [e.row, e.column, e.message] as const);
  const more = report.errorCount > report.errors.length ? [[null, null, `另有 ${report.errorCount - report.errors.length} 处问题未列出`] as const] : [];
  return toCsv(['行号', '列', '问题'], [...lines, ...more]);
}

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function isExternalNoConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === 'tickets_source_external_no_idx';
}

/**
 * Registers the staged rows, in chunks with the progress recorded (the page polls it). A commit
 * interrupted half-way resumes where it stopped once its lease passed; each row is idempotent by
 * its number anyway. Committing a finished import answers the same counts again.
 */
export async function commitImport(deps: ServiceDeps, who: Uploader, importId: string): Promise<CommitResult> {
  const row = await ownImport(deps, who, importId);
  if (row.status === 'committed') return row.result as CommitResult;
  const now = () => deps.clock.now();
  const claimed = await repo.claimImport(deps.db, row.id, who.userId, now(), new Date(now().getTime() + LEASE_MS));
  if (!claimed) throw new DomainError('CONFLICT', '该批次正在导入中，请稍候查看进度');
  const staged = claimed.staged as LedgerRow[];
  const previous = row.result as CommitResult | null;
  const result: CommitResult = previous ?? {
    importId: row.id, status: 'committed', total: staged.length, imported: 0, pastCases: 0, alreadyImported: 0, failed: 0, errors: [],
  };
  const source = row.source;
  const registrant: Registrant = { scope: `ledger:${source}`, label: `台账导入（${who.displayName}）`, userId: who.userId, apiKeyId: null, source };

  const commitOne = async (r: LedgerRow): Promise<void> => {
    try {
      const answer = await registerTicket(
        deps,
        registrant,
        r.externalNo,
        {
          channel: HOTLINE_DEFAULT_CHANNEL,
          kind: r.kind,
          content: r.content,
          ...(r.name || r.phone ? { complainant: { ...(r.name ? { name: r.name } : {}), ...(r.phone ? { phone: r.phone } : {}) } } : {}),
          ...(r.villageCode ? { villageCode: r.villageCode } : {}),
          ...(r.categoryCode ? { categoryCode: r.categoryCode } : {}),
          receivedAt: new Date(r.receivedAt),
        },
        {
          externalNo: r.externalNo,
          ...(r.dueAt ? { dueAt: new Date(r.dueAt) } : {}),
          notes: unmatchedNotes(r.unmatched, '台账'),
          ledger: r.past ? { past: r.past } : {},
        },
      );
      if (answer.replayed) result.alreadyImported++;
      else {
        result.imported++;
        if (r.past) result.pastCases++;
      }
    } catch (err) {
      if ((err instanceof DomainError && err.code === 'IDEMPOTENCY_KEY_REUSED') || isExternalNoConflict(err)) {
        result.alreadyImported++;
      } else if (err instanceof DomainError && err.code === 'VALIDATION_FAILED') {
        // The catalogue changed since the check (a village or department disabled): this row only.
        result.failed++;
        const d = err.details?.[0];
        result.errors.push({ row: r.row, column: d ? columnOf(d.path) : '', message: d?.message ?? err.message });
      } else {
        throw err;
      }
    }
  };

  for (let from = claimed.done; from < staged.length; from += COMMIT_CHUNK) {
    await inParallel(staged.slice(from, from + COMMIT_CHUNK), COMMIT_PARALLEL, commitOne);
    await repo.recordProgress(deps.db, row.id, Math.min(from + COMMIT_CHUNK, staged.length), result, new Date(now().getTime() + LEASE_MS));
  }
  await withTx(deps.db, async (tx) => {
    await repo.finishImport(tx, row.id, result, now());
    await appendAudit(tx, {
      actor: `user:${who.username}`,
      action: 'ledger_import',
      target: `import:${row.id}`,
      data: { source, imported: result.imported, pastCases: result.pastCases, alreadyImported: result.alreadyImported, failed: result.failed },
      at: now(),
    });
  });
  return result;
}

const FIELD_BY_PATH: Record<string, string> = {
  villageCode: FIELD_LABELS.village, categoryCode: FIELD_LABELS.category, departmentCode: FIELD_LABELS.department,
  receivedAt: FIELD_LABELS.receivedAt, 'complainant.phone': FIELD_LABELS.phone, 'complainant.name': FIELD_LABELS.name,
};
function columnOf(path: string): string {
  return FIELD_BY_PATH[path] ?? path;
}

/** The mapping choices offered for a header (the page's select). */
export const MAPPING_CHOICES: { value: ColumnTarget; label: string }[] = [
  ...LEDGER_FIELDS.map((f) => ({ value: f as ColumnTarget, label: FIELD_LABELS[f] })),
  { value: IGNORE, label: '（不导入）' },
];
