// Ledger imports (SPEC §15): upload (multipart `file`, optional `mapping`) → a report, nothing stored
// but the staged rows; commit; progress; the full error report as CSV. Clerks and supervisors, each
// seeing only their own imports.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { IGNORE, LEDGER_FIELDS } from '../../domain/ledger.js';
import {
  IMPORT_SOURCES, commitImport, importReportCsv, importStatus, validateImport, type ImportMapping, type Uploader,
} from '../../services/imports.service.js';
import { staffActor } from '../plugins/auth.js';

export const mappingSchema = z.strictObject({
  columns: z.record(z.string().min(1).max(100), z.enum([...LEDGER_FIELDS, IGNORE])).optional(),
  source: z.enum(IMPORT_SOURCES).optional(),
});

const importParams = z.strictObject({ importId: z.string().min(1).max(64) });
const rowError = z.object({ row: z.number(), column: z.string(), message: z.string() });
const reportSchema = z.object({
  importId: z.string(),
  fileName: z.string(),
  source: z.enum(IMPORT_SOURCES),
  rows: z.number(),
  valid: z.number(),
  invalid: z.number(),
  alreadyImported: z.number(),
  pastCases: z.number(),
  headers: z.array(z.object({ header: z.string(), field: z.string().nullable() })),
  errors: z.array(rowError),
  errorCount: z.number(),
  expiresAt: z.string(),
});
const commitSchema = z.object({
  importId: z.string(),
  status: z.literal('committed'),
  total: z.number(),
  imported: z.number(),
  pastCases: z.number(),
  alreadyImported: z.number(),
  failed: z.number(),
  errors: z.array(rowError),
});
const statusSchema = reportSchema
  .pick({ importId: true, fileName: true, source: true, rows: true, valid: true, invalid: true, alreadyImported: true })
  .extend({
    status: z.enum(['validated', 'committing', 'committed']),
    total: z.number(),
    done: z.number(),
    result: commitSchema.nullable(),
  });

function uploader(request: FastifyRequest): Uploader {
  const s = staffActor(request);
  return { userId: s.userId, username: s.username, displayName: s.displayName };
}

function parseMapping(text: string): ImportMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DomainError('VALIDATION_FAILED', undefined, [{ path: 'mapping', message: '对应关系 mapping 应为 JSON，如 {"columns":{"编号":"externalNo"},"source":"hotline_12345"}' }]);
  }
  const parsed = mappingSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DomainError('VALIDATION_FAILED', undefined, parsed.error.issues.map((i) => ({ path: ['mapping', ...i.path].join('.'), message: i.message })));
  }
  return parsed.data;
}

/** The multipart body: one `file`, an optional `mapping` (before or after it). */
async function readUpload(request: FastifyRequest): Promise<{ buffer: Buffer; fileName: string; mapping: ImportMapping }> {
  let file: { buffer: Buffer; fileName: string } | null = null;
  let mapping: ImportMapping = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file') {
        await part.toBuffer();
        throw new DomainError('VALIDATION_FAILED', undefined, [{ path: part.fieldname, message: '文件字段名应为 file' }]);
      }
      file = { buffer: await part.toBuffer(), fileName: part.filename };
    } else if (part.fieldname === 'mapping') {
      if (typeof part.value === 'string' && part.value.trim() !== '') mapping = parseMapping(part.value);
    } else {
      throw new DomainError('VALIDATION_FAILED', undefined, [{ path: part.fieldname, message: '未知的字段（只接受 file 和 mapping）' }]);
    }
  }
  if (!file) throw new DomainError('VALIDATION_FAILED', '请选择要上传的台账文件', [{ path: 'file', message: '缺少文件（字段名 file，.xlsx 或 .csv）' }]);
  return { ...file, mapping };
}

const routes: FastifyPluginAsyncZod = async (app) => {
  const guard = app.guard({ can: 'importLedgers' });

  app.post(
    '/imports',
    {
      schema: {
        tags: ['imports'],
        summary: '上传台账并校验 (validate a ledger upload, SPEC §15)',
        description:
          'multipart/form-data: `file` (.xlsx or .csv in UTF-8 or GB18030, ≤ 20 MB, ≤ 50 000 rows) and optional `mapping` ' +
          '(JSON `{ columns: { "<header>": "<field>" | "ignore" }, source: "import" | "hotline_12345" }`). Nothing but the staged ' +
          'rows is stored (24 h); `errors` lists at most 1000 problems (all of them: GET /imports/:importId/errors.csv). ' +
          '400 empty file or missing columns, 413 too large / too many rows, 415 not a spreadsheet.',
        consumes: ['multipart/form-data'],
        response: { 200: reportSchema },
      },
      preValidation: guard,
    },
    async (request) => {
      const upload = await readUpload(request);
      return validateImport(app.deps, uploader(request), upload, upload.mapping);
    },
  );

  app.get(
    '/imports/:importId',
    { schema: { tags: ['imports'], summary: '导入批次状态与进度 (import status and progress)', params: importParams, response: { 200: statusSchema } }, preValidation: guard },
    async (request) => importStatus(app.deps, uploader(request), request.params.importId),
  );

  app.get(
    '/imports/:importId/errors.csv',
    { schema: { tags: ['imports'], summary: '完整的校验问题清单 CSV (every problem of the report)', params: importParams }, preValidation: guard },
    async (request, reply) => {
      const csv = await importReportCsv(app.deps, uploader(request), request.params.importId);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-errors.csv"; filename*=UTF-8''${encodeURIComponent('导入问题清单.csv')}`)
        .send(csv);
    },
  );

  app.post(
    '/imports/:importId/commit',
    {
      schema: {
        tags: ['imports'],
        summary: '确认导入 (register the valid rows)',
        description: 'Registers each staged row through the registration service, idempotent by 工单编号; past cases closed with their reply and follow-up. A finished import answers its counts again; 409 while another commit of it runs.',
        params: importParams,
        response: { 200: commitSchema },
      },
      preValidation: guard,
    },
    async (request) => commitImport(app.deps, uploader(request), request.params.importId),
  );
};

export default routes;
