// The monthly notices for staff (SPEC §8, §13): every month with a notice (drafts and held ones
// too), generating or regenerating a month's draft with the 下一步工作 text, and per month the
// current draft with its figures, publish and hold. Every staff member may read; admins and
// supervisors act. The public pages are /notices and /notices/YYYY-MM (notice-pages.ts).
import { can } from '../../domain/capabilities.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import type { DepartmentRow, NoticeCase } from '../../domain/notice.js';
import { MONTH_RE, previousMonth } from '../../domain/stats.js';
import {
  generateNotice, holdNotice, listNotices, noticeSummary, publishNotice, staffNotice, type NoticeSummary,
} from '../../services/notices.service.js';
import { staffActor } from '../plugins/auth.js';
import { noticeFields } from './form-specs.js';
import { compact, emptyForm, formBody, formError, parseWith, str, type FormState } from './forms.js';
import { dateTime, LABELS, monthZh, rateText } from './format.js';
import { renderStaff, statusOf } from './render.js';
import { noticeFigures, table, type Column } from './tables.js';

/** Cases shown on the draft page; the public page and its CSV carry them all. */
const CASES_SHOWN = 50;

const generateSchema = z.strictObject({
  month: z.string().regex(MONTH_RE, '月份格式应为 YYYY-MM，如 2026-11'),
  nextSteps: z.string().max(2000).optional(),
});

const LIST_COLUMNS: Column<NoticeSummary>[] = [
  { head: '月份', cell: (s) => ({ text: monthZh(s.month), href: `/staff/notices/${s.month}` }) },
  { head: '状态', cell: (s) => LABELS.noticeStatus[s.status] },
  { head: '当前版本', num: true, cell: (s) => `第 ${s.revision} 版` },
  { head: '已发布版本', num: true, cell: (s) => (s.publishedRevision ? `第 ${s.publishedRevision} 版` : '—') },
  { head: '首次发布', cell: (s) => dateTime(s.publishedAt) },
  { head: '公开页面', cell: (s) => (s.publishedRevision ? { text: '查看', href: `/notices/${s.month}` } : '未发布') },
];

const DEPARTMENT_COLUMNS: Column<DepartmentRow>[] = [
  { head: '部门', cell: (d) => d.name },
  { head: '受理', num: true, cell: (d) => d.received },
  { head: '办结', num: true, cell: (d) => d.closed },
  { head: '按时办结率', num: true, cell: (d) => rateText(d.onTimeRate) },
  { head: '逾期未办结', num: true, cell: (d) => d.overdueOpen },
  { head: '满意率', num: true, cell: (d) => rateText(d.satisfactionRate) },
  { head: '不当退单', num: true, cell: (d) => d.improperReturns },
];

const CASE_COLUMNS: Column<NoticeCase>[] = [
  { head: '工单号', cell: (c) => ({ text: c.ticketNo, href: `/staff/tickets/${c.ticketNo.replace(/-/g, '')}` }) },
  { head: '日期', cell: (c) => c.date },
  { head: '村（社区）', cell: (c) => c.village ?? '—' },
  { head: '分类', cell: (c) => c.category },
  { head: '诉求摘要', wrap: true, cell: (c) => c.summary },
  { head: '承办部门', cell: (c) => c.department ?? '—' },
  { head: '办理结果', cell: (c) => (c.outcomeLabel ? `${c.statusLabel}（${c.outcomeLabel}）` : c.statusLabel) },
];

const DONE: Record<string, string> = {
  generated: '已生成新的草稿版本。',
  publish: '已发布：群众现在可以在公示栏看到本月公示。',
  hold: '已暂缓发布：本月公示不会自动发布，需要时可随时发布。',
};

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;
  const editors = app.guard({ can: 'editNotices' });
  const fields = noticeFields();
  const canEdit = (request: FastifyRequest) => can(staffActor(request).roles, 'editNotices');
  const who = (request: FastifyRequest) => `user:${staffActor(request).username}`;
  const monthOf = (request: FastifyRequest) => (request.params as { month: string }).month;
  const doneOf = (request: FastifyRequest) => DONE[String((request.query as Record<string, unknown>).done)] ?? null;

  async function listPage(request: FastifyRequest, reply: FastifyReply, form: FormState | null, status = 200) {
    const { items } = await listNotices(deps);
    return renderStaff(request, reply, 'staff/notices', {
      title: '月度公示', table: table(LIST_COLUMNS, items), canEdit: canEdit(request),
      heading: '生成公示草稿', genFields: fields, genForm: form ?? emptyForm({ month: previousMonth(deps.clock.now()) }),
    }, status);
  }

  async function noticePage(request: FastifyRequest, reply: FastifyReply, month: string, refused: FormState = emptyForm(), status = 200) {
    const [notice, state] = await Promise.all([staffNotice(deps, month), noticeSummary(deps, month)]);
    const unpublished = state!.publishedRevision === null;
    return renderStaff(request, reply, 'staff/notice', {
      title: `${monthZh(month)}公示（${LABELS.noticeStatus[notice.status]}）`, notice, state, refused, done: doneOf(request),
      figures: noticeFigures(notice.totals),
      departments: table(DEPARTMENT_COLUMNS, notice.departments),
      cases: table(CASE_COLUMNS, notice.cases.slice(0, CASES_SHOWN)),
      casesShown: Math.min(CASES_SHOWN, notice.cases.length),
      canEdit: canEdit(request), canPublish: notice.status !== 'published', canHold: unpublished && notice.status === 'draft',
      heading: '重新生成草稿', genFields: fields, genForm: emptyForm({ month, nextSteps: notice.nextSteps ?? '' }),
    }, status);
  }

  app.get('/notices', { preValidation: app.guard() }, (request, reply) => listPage(request, reply, null));

  app.post('/notices', { preValidation: editors }, async (request, reply) => {
    const values = formBody(request);
    try {
      const input = parseWith(generateSchema, compact({ month: str(values, 'month') ?? '', nextSteps: str(values, 'nextSteps') }));
      const r = await generateNotice(deps, who(request), input.month, input.nextSteps);
      return reply.redirect(`/staff/notices/${r.month}?done=generated`, 303);
    } catch (err) {
      return listPage(request, reply, formError(err, values, fields), statusOf(err as DomainError));
    }
  });

  app.get('/notices/:month', { preValidation: app.guard() }, (request, reply) => noticePage(request, reply, monthOf(request)));

  for (const [action, run] of [['publish', publishNotice], ['hold', holdNotice]] as const) {
    app.post(`/notices/:month/${action}`, { preValidation: editors }, async (request, reply) => {
      const month = monthOf(request);
      try {
        await run(deps, who(request), month);
        return reply.redirect(`/staff/notices/${month}?done=${action}`, 303);
      } catch (err) {
        // "Published already, cannot hold": shown on the notice page, not as an error page.
        if (!(err instanceof DomainError) || err.code !== 'CONFLICT') throw err;
        return noticePage(request, reply, month, { ...emptyForm(), message: err.message }, 409);
      }
    });
  }
};

export default pages;
