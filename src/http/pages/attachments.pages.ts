// The ticket page's attachments (SPEC §17): the upload form (multipart; its `_csrf` field comes
// before the file and is checked before the file is read) and the public/private switch. Both
// come back to the ticket page, with what happened said at the attachments section.
import type { FastifyPluginAsync } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { TYPE_GROUPS, megabytes } from '../../domain/attachments.js';
import { setAttachmentPublic, uploadTicketAttachment } from '../../services/attachment-access.service.js';
import { staffActor } from '../plugins/auth.js';
import { readUpload } from '../plugins/uploads.js';
import { purposeOf } from '../routes/attachments.routes.js';
import { formBody, str } from './forms.js';

const NOTICES: Record<string, string> = {
  uploaded: '附件已上传。',
  published: '图片已公开：群众查询时可以看到去除了拍摄位置等信息的副本。',
  unpublished: '图片已取消公开。',
};

/** What a refused upload says on the page (the code travels in the address, never the text). */
const ERRORS: Record<string, string> = {
  UNSUPPORTED_MEDIA_TYPE: '不支持的文件类型：只能上传图片（JPEG、PNG、WebP、HEIC）、录音（AMR、MP3、M4A、WAV）或 PDF 文件。',
  PAYLOAD_TOO_LARGE: `文件过大：图片不能超过 ${megabytes(TYPE_GROUPS.image.maxBytes)}，录音和 PDF 不能超过 ${megabytes(TYPE_GROUPS.audio.maxBytes)}。`,
  VALIDATION_FAILED: '请选择要上传的文件。',
  NOT_PUBLISHABLE: '只有 JPEG、PNG、WebP 图片可以公开。',
  FORBIDDEN: '您没有权限进行此操作。',
};

export function attachmentNotices(query: Record<string, unknown>): { attachmentNotice: string | null; attachmentError: string | null } {
  const att = typeof query.att === 'string' ? query.att : '';
  const err = typeof query.attErr === 'string' ? query.attErr : '';
  return { attachmentNotice: NOTICES[att] ?? null, attachmentError: ERRORS[err] ?? (err ? '上传失败，请重试。' : null) };
}

// The number comes from the address as typed: encoded, so a stray character (a BOM, a space)
// stays a not-found page there instead of an invalid Location header here.
const back = (ticketNo: string, q: string) => `/staff/tickets/${encodeURIComponent(ticketNo)}?${q}#attachments`;

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;

  app.post('/tickets/:no/attachments', { preValidation: app.guard({ csrfInMultipart: true }) }, async (request, reply) => {
    const { no } = request.params as { no: string };
    try {
      const upload = await readUpload(request);
      await uploadTicketAttachment(deps, staffActor(request), no, { file: upload.file, filename: upload.filename, purpose: purposeOf(upload.fields.purpose) });
      return reply.redirect(back(no, 'att=uploaded'), 303);
    } catch (err) {
      if (!(err instanceof DomainError) || ['TICKET_NOT_FOUND', 'TICKET_NO_INVALID', 'CSRF_FAILED'].includes(err.code)) throw err;
      return reply.redirect(back(no, `attErr=${err.code}`), 303);
    }
  });

  app.post('/attachments/:id/public', { preValidation: app.guard() }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const values = formBody(request);
    const pub = str(values, 'public') === 'true';
    // The ticket page the form came from (the service checks the attachment is visible).
    const ticketNo = str(values, 'ticketNo') ?? '';
    if (!/^\d{15}$/.test(ticketNo)) throw new DomainError('NOT_FOUND', '未找到该附件');
    try {
      await setAttachmentPublic(deps, staffActor(request), id, pub);
      return reply.redirect(back(ticketNo, `att=${pub ? 'published' : 'unpublished'}`), 303);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code === 'NOT_FOUND') throw err;
      return reply.redirect(back(ticketNo, `attErr=${err.code === 'VALIDATION_FAILED' ? 'NOT_PUBLISHABLE' : err.code}`), 303);
    }
  });
};

export default pages;
