// The performance statistics page (SPEC §9, §13) for supervisors and leaders: a month (by default
// the previous one, Asia/Shanghai), the figures per department and per handler with every rate's
// numerator and denominator, the API's CSV downloads, and — for supervisors — freezing the month.
import { can } from '../../domain/capabilities.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { LEVELS, LEVEL_LABELS } from '../../domain/deadlines.js';
import { MONTH_RE, previousMonth, type Rate } from '../../domain/stats.js';
import { freezeMonth, getStats, type DepartmentCounts, type HandlerCounts, type Scope } from '../../services/stats.service.js';
import { staffActor } from '../plugins/auth.js';
import { monthField } from './form-specs.js';
import { emptyForm, formBody, formError, str, type FormState } from './forms.js';
import { monthZh, rateText } from './format.js';
import { renderStaff, statusOf } from './render.js';
import { table, type Column } from './tables.js';

type Rates = Record<'responseRate' | 'onTimeRate' | 'resolutionRate' | 'satisfactionRate', Rate>;
type DepartmentRow = DepartmentCounts & Rates & { departmentName: string };
type HandlerRow = HandlerCounts & Rates & { departmentName: string };

const RATE_COLUMNS: Column<Rates>[] = (
  [['responseRate', '响应率'], ['onTimeRate', '按时办结率'], ['resolutionRate', '解决率'], ['satisfactionRate', '满意率']] as const
).map(([key, head]) => ({ head, num: true, cell: (r: Rates) => rateText(r[key]) }));

const n = <R>(head: string, cell: (r: R) => number): Column<R> => ({ head, num: true, cell });

const DEPARTMENT_COLUMNS: Column<DepartmentRow>[] = [
  { head: '部门', cell: (r) => r.departmentName },
  n('受理', (r) => r.received),
  n('转办', (r) => r.assigned),
  n('答复', (r) => r.replied),
  n('逾期未办结', (r) => r.overdueOpen),
  n('重办', (r) => r.reopened),
  n('退单', (r) => r.returned),
  n('不当退单', (r) => r.improperReturns),
  { head: LEVELS.map((l) => LEVEL_LABELS[l]).join('/'), num: true, cell: (r) => LEVELS.map((l) => r.escalations[l] ?? 0).join('/') },
  ...RATE_COLUMNS,
];

const HANDLER_COLUMNS: Column<HandlerRow>[] = [
  { head: '承办人', cell: (r) => r.displayName },
  { head: '部门', cell: (r) => r.departmentName },
  n('签收', (r) => r.accepted),
  n('答复', (r) => r.replied),
  n('重办', (r) => r.reopened),
  n('退单', (r) => r.returned),
  n('不当退单', (r) => r.improperReturns),
  ...RATE_COLUMNS,
];

const SCOPES: { scope: Scope; title: string; columns: Column<never>[] }[] = [
  { scope: 'departments', title: '按部门', columns: DEPARTMENT_COLUMNS as Column<never>[] },
  { scope: 'handlers', title: '按承办人', columns: HANDLER_COLUMNS as Column<never>[] },
];

const MONTH_FIELDS = [monthField()];

const pages: FastifyPluginAsync = async (app) => {
  const deps = app.deps;
  const readers = app.guard({ can: 'readStats' });

  async function statsPage(request: FastifyRequest, reply: FastifyReply, month: string, freeze: FormState = emptyForm(), status = 200) {
    const values = { month };
    const done = (request.query as Record<string, unknown>).done === 'frozen' ? `已冻结${monthZh(month)}的统计：数据锁定为考核快照，不再变化。` : null;
    const data = { title: '三率统计', month, monthFields: MONTH_FIELDS, freeze, done, canFreeze: can(staffActor(request).roles, 'freezeStats') };
    try {
      const results = await Promise.all(SCOPES.map((s) => getStats(deps, s.scope, { month })));
      const scopes = SCOPES.map((s, i) => ({
        scope: s.scope,
        title: s.title,
        csv: `/api/v1/stats/${s.scope}?month=${encodeURIComponent(month)}&format=csv`,
        table: table(s.columns, results[i].items as never[]),
      }));
      const frozen = results[0].frozen ? { at: results[0].frozenAt } : null;
      return await renderStaff(request, reply, 'staff/stats', { ...data, title: `三率统计 · ${monthZh(month)}`, form: emptyForm(values), scopes, frozen }, status);
    } catch (err) {
      // Only a month that is not one gets here: the picker shows what is wrong next to the field.
      return renderStaff(request, reply, 'staff/stats', { ...data, form: formError(err, values, MONTH_FIELDS, 'm'), scopes: null, frozen: null }, 400);
    }
  }

  app.get('/stats', { preValidation: readers }, async (request, reply) => {
    const month = (request.query as Record<string, unknown>).month;
    return statsPage(request, reply, typeof month === 'string' && month.length <= 20 ? month.trim() : previousMonth(deps.clock.now()));
  });

  app.post('/stats/freeze', { preValidation: app.guard({ can: 'freezeStats' }) }, async (request, reply) => {
    const values = formBody(request);
    const month = str(values, 'month') ?? '';
    try {
      await freezeMonth(deps, `user:${staffActor(request).username}`, month);
      return reply.redirect(`/staff/stats?month=${encodeURIComponent(month)}&done=frozen`, 303);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // "Not over yet" and "frozen already" are answers, not failures: say so in plain words.
      const reason = err.details?.length ? `（${err.details.map((d) => d.message).join('；')}）` : '';
      const form = err.code === 'CONFLICT' ? { ...emptyForm(values), message: `无法冻结：${err.message}${reason}` } : formError(err, values, MONTH_FIELDS, 'z');
      return statsPage(request, reply, MONTH_RE.test(month) ? month : previousMonth(deps.clock.now()), form, statusOf(err));
    }
  });
};

export default pages;
