// Attachments (SPEC §17): upload to a ticket (multipart field `file`), list, download (always as a
// download, typed by what the bytes are, never sniffed again by the browser), the thumbnail, the
// public/private switch; and the resident's signed link to a public copy.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ATTACHMENT_PURPOSES, type AttachmentPurpose } from '../../domain/attachments.js';
import { DomainError } from '../../domain/errors.js';
import {
  downloadAttachment, listTicketAttachments, setAttachmentPublic, uploadTicketAttachment,
} from '../../services/attachment-access.service.js';
import { openPublicPhoto, type Download } from '../../services/public-photos.service.js';
import { staffActor } from '../plugins/auth.js';
import { readUpload } from '../plugins/uploads.js';
import { ticketNoParams } from '../schemas.js';

const idParams = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, '附件编号应为数字') });

/** RFC 6266 / 5987: an ASCII fallback and the UTF-8 name. */
export function contentDisposition(filename: string, fallback: string): string {
  const ascii = fallback.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export function sendDownload(reply: FastifyReply, d: Download, id: string, cache = 'private, no-store'): FastifyReply {
  const ext = d.filename.includes('.') ? d.filename.slice(d.filename.lastIndexOf('.')) : '';
  reply
    .type(d.mime)
    .header('content-disposition', contentDisposition(d.filename, `attachment-${id}${ext}`))
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', cache);
  if (d.size !== null) reply.header('content-length', String(d.size));
  return reply.send(d.stream);
}

export function purposeOf(value: string | undefined): AttachmentPurpose | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(ATTACHMENT_PURPOSES as string[]).includes(value)) {
    throw new DomainError('VALIDATION_FAILED', undefined, [{ path: 'purpose', message: '用途应为 evidence（证据材料）或 reply（办结照片）' }]);
  }
  return value as AttachmentPurpose;
}

const routes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/tickets/:ticketNo/attachments',
    {
      schema: {
        tags: ['attachments'],
        summary: '上传附件 (attach a file: multipart field `file`; optional field or query `purpose` evidence|reply)',
        description: '图片（JPEG、PNG、WebP、HEIC）≤ 10 MB，录音（AMR、MP3、M4A、WAV）≤ 20 MB，PDF ≤ 20 MB；类型按文件内容识别。',
        params: ticketNoParams,
        querystring: z.strictObject({ purpose: z.enum(ATTACHMENT_PURPOSES as [AttachmentPurpose, ...AttachmentPurpose[]]).optional() }),
      },
      preValidation: app.guard(),
    },
    async (request, reply) => {
      const upload = await readUpload(request);
      const purpose = request.query.purpose ?? purposeOf(upload.fields.purpose);
      const view = await uploadTicketAttachment(app.deps, staffActor(request), request.params.ticketNo, { file: upload.file, filename: upload.filename, purpose });
      return reply.code(201).send(view);
    },
  );

  app.get(
    '/tickets/:ticketNo/attachments',
    { schema: { tags: ['attachments'], summary: '工单附件列表 (list)', params: ticketNoParams }, preValidation: app.guard() },
    async (request) => ({ items: await listTicketAttachments(app.deps, staffActor(request), request.params.ticketNo) }),
  );

  app.get(
    '/attachments/:id',
    { schema: { tags: ['attachments'], summary: '下载附件 (download)', params: idParams }, preValidation: app.guard() },
    async (request, reply) => sendDownload(reply, await downloadAttachment(app.deps, staffActor(request), request.params.id, 'original'), request.params.id),
  );

  app.get(
    '/attachments/:id/thumb',
    { schema: { tags: ['attachments'], summary: '图片缩略图 (thumbnail, JPEG)', params: idParams }, preValidation: app.guard() },
    async (request, reply) => sendDownload(reply, await downloadAttachment(app.deps, staffActor(request), request.params.id, 'thumb'), request.params.id),
  );

  app.patch(
    '/attachments/:id',
    {
      schema: {
        tags: ['attachments'],
        summary: '设为公开/不公开 (mark an image public: a copy without metadata shows on /track)',
        params: idParams,
        body: z.strictObject({ public: z.boolean() }),
      },
      preValidation: app.guard(),
    },
    async (request) => setAttachmentPublic(app.deps, staffActor(request), request.params.id, request.body.public),
  );

  app.get(
    '/public/attachments/:id',
    {
      config: { rateLimit: { max: app.deps.config.PUBLIC_LOOKUP_RATE_LIMIT * 10, timeWindow: 60_000 } },
      schema: {
        tags: ['public'],
        summary: '公开图片 (a public image: the link a verified lookup answers in `photos`)',
        params: idParams,
        querystring: z.strictObject({ expires: z.string().max(20), sig: z.string().max(100) }),
      },
    },
    async (request, reply) =>
      sendDownload(reply, await openPublicPhoto(app.deps, request.params.id, request.query.expires, request.query.sig), request.params.id, 'private, max-age=3600'),
  );
};

export default routes;
