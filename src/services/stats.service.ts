// Statistics per department and per handler for a month or a range (SPEC §9), JSON and CSV, and
// freezing a month into a locked snapshot for the cadre evaluation.
import { DomainError, validationError } from '../domain/errors.js';
import { monthRange, rates, MONTH_RE, type Rate } from '../domain/stats.js';
import { toCsv } from '../domain/csv.js';
import { SCREENING_CATEGORIES } from '../domain/ticket-rules.js';
import { SCREENING_LABELS } from '../domain/ticket-labels.js';
import { withTx } from '../db/tx.js';
import { appendAudit } from '../db/audit.repository.js';
import * as repo from '../db/stats.repository.js';
import { getCatalogue } from './catalogue.service.js';
import type { ServiceDeps } from './deps.js';

export type Scope = 'departments' | 'handlers';
export type { DepartmentCounts, HandlerCounts } from '../db/stats.repository.js';

export interface Period {
  month?: string;
  from?: string;
  to?: string;
}

function resolvePeriod(p: Period): { label: string; from: Date; to: Date; month: string | null } {
  if (p.month) {
    if (!MONTH_RE.test(p.month)) throw validationError([{ path: 'month', message: '月份格式应为 YYYY-MM' }]);
    return { label: p.month, month: p.month, ...monthRange(p.month) };
  }
  if (p.from && p.to && MONTH_RE.test(p.from) && MONTH_RE.test(p.to) && p.from <= p.to) {
    return { label: `${p.from}~${p.to}`, month: null, from: monthRange(p.from).from, to: monthRange(p.to).to };
  }
  throw validationError([{ path: 'month', message: '请给出月份 month=YYYY-MM，或起止月份 from=YYYY-MM&to=YYYY-MM' }]);
}

async function compute(deps: ServiceDeps, scope: Scope, from: Date, to: Date) {
  const catalogue = await getCatalogue(deps);
  const deptName = (code: string | null) => (code ? (catalogue.departments.get(code)?.name ?? code) : '未分派');
  if (scope === 'departments') {
    const counts = await repo.departmentCounts(deps.db, from, to, deps.clock.now());
    // Lead (主办) and co-handling (协办) work per department, counted apart (SPEC §18).
    const co = new Map((await repo.coHandlingCounts(deps.db, from, to)).map((c) => [c.departmentCode, c]));
    const none = { coAssigned: 0, coAccepted: 0, coAnswered: 0, coAnsweredOnTime: 0, coWaived: 0 };
    const coOf = (code: string | null) => {
      const c = code ? co.get(code) : undefined;
      return c ? { coAssigned: c.coAssigned, coAccepted: c.coAccepted, coAnswered: c.coAnswered, coAnsweredOnTime: c.coAnsweredOnTime, coWaived: c.coWaived } : none;
    };
    const leadRows = counts.map((c) => ({ ...c, ...coOf(c.departmentCode), departmentName: deptName(c.departmentCode), ...rates(c) }));
    const onlyCo = [...co.keys()].filter((code) => !counts.some((c) => c.departmentCode === code)).map((code) => {
      const zero: repo.DepartmentCounts = {
        departmentCode: code, received: 0, assigned: 0, acceptedOnTime: 0, replied: 0, repliedOnTime: 0, overdueOpen: 0,
        followupsReached: 0, followupsResolved: 0, followupsSatisfied: 0, reopened: 0, returned: 0, improperReturns: 0,
        escalations: { warning: 0, overdue: 0, escalated: 0, summons: 0 }, screened: 0,
        screenedByCategory: { unreasonable: 0, repeated: 0, outside_scope: 0, legal_process: 0, other: 0 },
      };
      return { ...zero, ...coOf(code), departmentName: deptName(code), ...rates(zero) };
    });
    return [...leadRows, ...onlyCo];
  }
  const counts = await repo.handlerCounts(deps.db, from, to);
  return counts.map((c) => ({
    ...c,
    departmentName: deptName(c.departmentCode),
    ...rates({ ...c, assigned: c.accepted, overdueOpen: 0 }),
  }));
}

export async function getStats(deps: ServiceDeps, scope: Scope, period: Period) {
  const p = resolvePeriod(period);
  if (p.month) {
    const snap = await repo.findSnapshot(deps.db, p.month, scope);
    if (snap) return { period: p.label, frozen: true, frozenAt: snap.frozenAt.toISOString(), frozenBy: snap.frozenBy, items: snap.data as unknown[] };
  }
  return { period: p.label, frozen: false, frozenAt: null, frozenBy: null, items: await compute(deps, scope, p.from, p.to) };
}

export async function freezeMonth(deps: ServiceDeps, actor: string, month: string) {
  const p = resolvePeriod({ month });
  const now = deps.clock.now();
  if (p.to > now) throw new DomainError('CONFLICT', '当月尚未结束，不能冻结', [{ path: 'month', message: '只能冻结已结束的月份' }]);
  const [departments, handlers] = await Promise.all([compute(deps, 'departments', p.from, p.to), compute(deps, 'handlers', p.from, p.to)]);
  const frozen = await withTx(deps.db, async (tx) => {
    const a = await repo.insertSnapshot(tx, month, 'departments', departments, now, actor);
    const b = await repo.insertSnapshot(tx, month, 'handlers', handlers, now, actor);
    if (a || b) await appendAudit(tx, { actor, action: 'stats.freeze', target: `stats:${month}`, data: {}, at: now });
    return a || b;
  });
  if (!frozen) throw new DomainError('CONFLICT', `${month} 的统计已冻结，不再变化`);
  return getStats(deps, 'departments', { month });
}

const pct = (r: Rate) => (r.value === null ? '' : `${(r.value * 100).toFixed(1)}%`);
const frac = (r: Rate) => `${r.numerator}/${r.denominator}`;

type Row = Record<string, unknown> & { departmentName: string; responseRate: Rate; onTimeRate: Rate; resolutionRate: Rate; satisfactionRate: Rate };

export function statsToCsv(scope: Scope, items: Row[]): string {
  const rateCols = ['响应率', '响应率(分子/分母)', '按时办结率', '按时办结率(分子/分母)', '解决率', '解决率(分子/分母)', '满意率', '满意率(分子/分母)'];
  const rateCells = (r: Row) => [pct(r.responseRate), frac(r.responseRate), pct(r.onTimeRate), frac(r.onTimeRate), pct(r.resolutionRate), frac(r.resolutionRate), pct(r.satisfactionRate), frac(r.satisfactionRate)];
  if (scope === 'departments') {
    const screenCols = SCREENING_CATEGORIES.map((c) => `甄别-${SCREENING_LABELS[c]}`);
    const header = ['部门', '受理量', '转办量', '按时签收', '答复量', '按时答复', '逾期未办结', '重办', '退单', '不当退单', '预警', '逾期', '督办', '约谈', ...rateCols, '甄别（不计入三率）', ...screenCols,
      '协办件数', '协办已签收', '协办已反馈', '协办按时反馈', '协办免除'];
    return toCsv(header, items.map((r) => {
      const e = r.escalations as Record<string, number>;
      // Frozen snapshots from before screening existed carry no screening counts: 0.
      const byCategory = (r.screenedByCategory ?? {}) as Record<string, number>;
      return [r.departmentName, r.received, r.assigned, r.acceptedOnTime, r.replied, r.repliedOnTime, r.overdueOpen, r.reopened, r.returned, r.improperReturns, e.warning, e.overdue, e.escalated, e.summons, ...rateCells(r),
        (r.screened as number | undefined) ?? 0, ...SCREENING_CATEGORIES.map((c) => byCategory[c] ?? 0),
        ...(['coAssigned', 'coAccepted', 'coAnswered', 'coAnsweredOnTime', 'coWaived'] as const).map((k) => (r[k] as number | undefined) ?? 0)] as (string | number)[];
    }));
  }
  const header = ['承办人', '用户名', '部门', '签收量', '按时签收', '答复量', '按时答复', '退单', '不当退单', '重办', ...rateCols];
  return toCsv(header, items.map((r) => [r.displayName, r.username, r.departmentName, r.accepted, r.acceptedOnTime, r.replied, r.repliedOnTime, r.returned, r.improperReturns, r.reopened, ...rateCells(r)] as (string | number)[]));
}
