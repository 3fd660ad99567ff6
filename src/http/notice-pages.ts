// The public notice pages (SPEC §8, §13): /notices (archive), /notices/YYYY-MM (web page and the A4
// print layout for the village bulletin board), /notices/YYYY-MM.txt (WeChat text) and .csv (the
// case list). Only published revisions; a month without one answers the same 404 page.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Eta } from 'eta';
import { DomainError } from '../domain/errors.js';
import { percent, screenedText } from '../domain/notice-outputs.js';
import { dateTime } from './pages/format.js';
import { noticeFile, publicArchive, publicNotice } from '../services/notices.service.js';
import { NOTICE_FILE_FORMATS, type NoticeFileFormat } from '../domain/notice-outputs.js';

const views = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'views/notices');
const eta = new Eta({ views, autoEscape: true, cache: true });

/** The Asia/Shanghai calendar date of an instant (a notice published 00:31 on the 2nd is dated the 2nd). */
const shanghaiDate = (iso: string) => dateTime(iso).slice(0, 10);

function monthLabel(month: string): string {
  const [y, m] = month.split('-');
  return `${y}年${Number(m)}月`;
}

const pages: FastifyPluginAsync = async (app) => {
  const township = { name: app.deps.config.TOWNSHIP_NAME, hotlines: app.deps.config.TOWNSHIP_HOTLINES };
  const html = (reply: FastifyReply, template: string, data: object) =>
    reply.type('text/html; charset=utf-8').send(eta.render(template, { ...data, monthLabel, percent, screenedText, township, shanghaiDate }));

  const notFound = (reply: FastifyReply, month: string) =>
    html(reply.code(404), 'not-found', { month: /^\d{4}-\d{2}$/.test(month) ? month : null });

  app.get('/notices', async (_request, reply) => html(reply, 'archive', await publicArchive(app.deps)));

  app.get<{ Params: { file: string } }>('/notices/:file', async (request, reply) => {
    const m = /^(\d{4}-\d{2})(?:\.([a-z]+))?$/.exec(request.params.file);
    const ext = m?.[2] as NoticeFileFormat | undefined;
    if (!m || (ext !== undefined && !NOTICE_FILE_FORMATS.includes(ext))) return notFound(reply, request.params.file);
    const month = m[1];
    let notice;
    try {
      notice = await publicNotice(app.deps, month);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'NOT_FOUND') return notFound(reply, month);
      throw err;
    }
    if (ext) {
      const file = noticeFile(app.deps, ext, notice);
      // The CSV is a download (a spreadsheet); the WeChat text opens in the browser to copy from.
      if (ext === 'csv') reply.header('content-disposition', `attachment; filename="huiying-notice-${month}.csv"`);
      return reply.type(file.contentType).send(file.body);
    }
    return html(reply, 'notice', { notice });
  });
};

export default pages;
