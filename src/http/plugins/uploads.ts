// Reading one uploaded file (SPEC §17) from a multipart body, for the API and the pages alike: the
// text fields before it (a page form's `_csrf`, `purpose`), then the file as a stream — never
// buffered — for the service to sniff and store. A page's CSRF token is checked here, before the
// file's first byte is read (GuardOptions.csrfInMultipart).
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { safeEqual } from './auth.js';

export interface Upload {
  file: Readable;
  filename: string | null;
  fields: Record<string, string>;
}

const NO_FILE = '请选择要上传的文件（表单字段 file）';

export async function readUpload(request: FastifyRequest): Promise<Upload> {
  if (!request.isMultipart()) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', '请以 multipart/form-data 格式上传文件（字段名 file）', [{ path: 'file', message: NO_FILE }]);
  }
  const fields: Record<string, string> = {};
  const parts = request.parts();
  for (;;) {
    const next = await parts.next();
    if (next.done) break;
    const part = next.value;
    if (part.type === 'field') {
      if (typeof part.value === 'string') fields[part.fieldname] = part.value;
      continue;
    }
    if (request.csrfPending) {
      const actor = request.actor;
      const token = fields._csrf;
      if (!actor || actor.kind !== 'user' || !token || !safeEqual(token, actor.csrfToken)) {
        part.file.resume();
        throw new DomainError('CSRF_FAILED');
      }
    }
    if (part.fieldname !== 'file') {
      part.file.resume();
      continue;
    }
    return { file: part.file, filename: part.filename || null, fields };
  }
  if (request.csrfPending) throw new DomainError('CSRF_FAILED');
  throw new DomainError('VALIDATION_FAILED', NO_FILE, [{ path: 'file', message: NO_FILE }]);
}
